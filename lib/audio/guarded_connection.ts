/**
 * One guarded connection: the client's socket, a fresh connection to the
 * sound server, and two pumps that cut each side's bytes into frames, hand
 * them to the connection's {@linkcode AudioSession} and write what it
 * returns. A pump reads again only once its frames are written, so a side
 * that stops reading stalls this connection alone. Either side closing,
 * or a frame the session refuses to carry, ends both.
 *
 * @module
 */
import { errorMessage } from "../errors/mod.ts";
import { closeQuietly, writeAll } from "../io/mod.ts";
import { type Frame, FrameSplitter, MAX_FRAME_SIZE } from "./frame.ts";
import type { AudioMode } from "./policy.ts";
import { AudioProtocolError } from "./protocol_error.ts";
import {
  AudioSession,
  type SessionLimits,
  type SessionOutput,
} from "./session.ts";

/**
 * Largest frame a client may send: libpulse sends audio in blocks of at
 * most 64 KiB and small command packets, so 1 MiB is plenty, and it bounds
 * what a hostile VM makes the guard hold.
 */
export const CLIENT_MAX_FRAME = 1024 * 1024;

const READ_SIZE = 64 * 1024;

/** What one connection needs. */
export interface ConnectionOptions {
  /** The sound server's socket. */
  serverPath: string;
  /** What the VM may do. */
  mode: AudioMode;
  /** Takes refusals and why the connection ended, when not a plain close. */
  log: (line: string) => void;
  /** Overrides of the session's limits (tests). */
  limits?: Partial<SessionLimits>;
}

/** A client's connection and its way to the server. */
export class GuardedConnection {
  readonly #client: Deno.Conn;
  readonly #options: ConnectionOptions;
  #server: Deno.Conn | undefined;
  #ended = false;

  /** Takes over `client`; nothing happens until {@linkcode serve}. */
  constructor(client: Deno.Conn, options: ConnectionOptions) {
    this.#client = client;
    this.#options = options;
  }

  /** Connects to the server and carries frames until either side ends. */
  async serve(): Promise<void> {
    const { serverPath, mode, log, limits } = this.#options;
    try {
      this.#server = await Deno.connect({
        transport: "unix",
        path: serverPath,
      });
    } catch (error) {
      log(
        `the sound server at ${serverPath} is unreachable: ${
          errorMessage(error)
        }`,
      );
      this.abort();
      return;
    }
    if (this.#ended) {
      closeQuietly(this.#server);
      return;
    }
    const session = new AudioSession(mode, limits);
    const toClient = orderedWriter(this.#client);
    const toServer = orderedWriter(this.#server);
    const carry = async (output: SessionOutput) => {
      for (const line of output.log) log(line);
      for (const bytes of output.toClient) await toClient(bytes);
      for (const bytes of output.toServer) await toServer(bytes);
      if (output.close) throw new AudioProtocolError(output.close);
    };
    const end = (error?: unknown) => {
      if (!this.#ended && error instanceof AudioProtocolError) {
        log(`closed: ${error.message}`);
      }
      this.abort();
    };
    await Promise.all([
      pump(
        this.#client,
        CLIENT_MAX_FRAME,
        (frame) => carry(session.fromClient(frame)),
      )
        .then(() => end(), end),
      pump(
        this.#server,
        MAX_FRAME_SIZE,
        (frame) => carry(session.fromServer(frame)),
      )
        .then(() => end(), end),
    ]);
    if (session.unloggedRefusals > 0) {
      log(`${session.unloggedRefusals} more refusals, not logged one by one`);
    }
  }

  /** Closes both sides; {@linkcode serve} then returns. */
  abort(): void {
    this.#ended = true;
    closeQuietly(this.#client);
    if (this.#server) closeQuietly(this.#server);
  }
}

/** Reads `from` until its end, handing each whole frame to `handle`. */
async function pump(
  from: Deno.Conn,
  maxFrame: number,
  handle: (frame: Frame) => Promise<void>,
): Promise<void> {
  const splitter = new FrameSplitter(maxFrame);
  const buffer = new Uint8Array(READ_SIZE);
  for (;;) {
    const count = await from.read(buffer);
    if (count === null) return;
    for (const frame of splitter.push(buffer.subarray(0, count))) {
      await handle(frame);
    }
  }
}

/**
 * Writes to `conn` one whole frame after another: both pumps write to the
 * client (the server's frames and the guard's refusals), and frames must
 * not interleave.
 */
function orderedWriter(conn: Deno.Conn): (bytes: Uint8Array) => Promise<void> {
  let tail = Promise.resolve();
  return (bytes) => {
    const written = tail.then(() => writeAll(conn, bytes));
    tail = written.catch(() => {});
    return written;
  };
}
