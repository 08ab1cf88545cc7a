/**
 * Moving bytes between the client and the destination once a request is
 * allowed: both ways for a CONNECT tunnel; for plain HTTP, exactly the
 * request's body up and the answer back. An end of stream on one side
 * becomes a half-close on the other, so protocols that finish one
 * direction first (git, TLS close_notify) work; a read or write error
 * closes both. Counts go to the log record as the bytes are written on;
 * activity is reported for the idle timeout.
 *
 * A plain HTTP client may send more after its body (a pipelined second
 * request): those bytes are read and dropped, never forwarded, and the
 * exchange ends when the destination has answered and closed (the
 * forwarded head said `Connection: close`). A client that still has
 * requests to make sends them again on a new connection, where they are
 * judged like the first.
 *
 * @module
 */
import { closeQuietly, writeAll } from "../io/mod.ts";
import type { BodyMeter } from "./body_framing.ts";
import type { EgressRecord } from "./log_record.ts";

/** What {@linkcode relayBytes} connects. */
export interface ByteRelayOptions {
  /** The proxy's client. */
  client: Deno.Conn;
  /** The destination. */
  upstream: Deno.Conn;
  /** Bytes the client sent after its request head; they go first. */
  early: Uint8Array;
  /**
   * "tunnel": until both directions have ended. "http": the body `body`
   * measures goes up, and the relay ends once the destination has answered
   * and closed.
   */
  mode: { kind: "tunnel" } | { kind: "http"; body: BodyMeter };
  /** Grows by every byte written on, each way. */
  counts: Pick<EgressRecord, "bytes_up" | "bytes_down">;
  /** Called whenever bytes move. */
  onActivity: () => void;
}

type PumpEnd = "eof" | "error";

/**
 * Copies between the two ends until `mode` says the exchange is over.
 * Rejects with a `BodyFramingError` when a plain HTTP body is malformed
 * (both ends are closed by then).
 */
export async function relayBytes(options: ByteRelayOptions): Promise<void> {
  const { client, upstream, mode } = options;
  const ended = (end: Promise<PumpEnd | "body" | "failed">, to: Deno.Conn) =>
    end.then(async (how) => {
      if (how === "eof") {
        await to.closeWrite().catch(() => {
          // Already closed.
        });
      } else if (how === "error") {
        closeQuietly(client);
        closeQuietly(upstream);
      }
    });
  if (mode.kind === "http") {
    let failure: unknown;
    const up = pumpBody(mode.body, options).catch((error) => {
      // A malformed body ends the exchange at once.
      failure = error;
      closeQuietly(client);
      closeQuietly(upstream);
      return "failed" as const;
    });
    ended(up, upstream);
    await pumpBytes(upstream, client, "bytes_down", options);
    if (failure !== undefined) throw failure;
    return;
  }
  if (options.early.length > 0) {
    await writeAll(upstream, options.early);
    options.counts.bytes_up += options.early.length;
  }
  const up = pumpBytes(client, upstream, "bytes_up", options);
  const down = pumpBytes(upstream, client, "bytes_down", options);
  await Promise.all([ended(up, upstream), ended(down, client)]);
}

/** Copies `from` to `to` until end of stream or an error on either. */
async function pumpBytes(
  from: Deno.Conn,
  to: Deno.Conn,
  counter: "bytes_up" | "bytes_down",
  { counts, onActivity }: ByteRelayOptions,
): Promise<PumpEnd> {
  const buffer = new Uint8Array(64 * 1024);
  while (true) {
    let read: number | null;
    try {
      read = await from.read(buffer);
    } catch {
      return "error";
    }
    if (read === null) return "eof";
    onActivity();
    try {
      await writeAll(to, buffer.subarray(0, read));
    } catch {
      return "error";
    }
    counts[counter] += read;
    onActivity();
  }
}

/**
 * Copies the request body, and only it, from the client up; then reads
 * and drops whatever else the client sends (closing with unread bytes
 * would reset the connection and could cost the client its answer).
 * "body" once the body is through.
 */
async function pumpBody(
  body: BodyMeter,
  { client, upstream, early, counts, onActivity }: ByteRelayOptions,
): Promise<PumpEnd | "body"> {
  const buffer = new Uint8Array(64 * 1024);
  let pending = early;
  while (!body.done) {
    if (pending.length > 0) {
      const taken = body.feed(pending);
      try {
        await writeAll(upstream, pending.subarray(0, taken));
      } catch {
        return "error";
      }
      counts.bytes_up += taken;
      onActivity();
      if (body.done) break;
    }
    let read: number | null;
    try {
      read = await client.read(buffer);
    } catch {
      return "error";
    }
    if (read === null) return "eof";
    onActivity();
    pending = buffer.subarray(0, read);
  }
  drain(client);
  return "body";
}

/** Reads `conn` to its end, dropping everything; stops at any error. */
async function drain(conn: Deno.Conn): Promise<void> {
  const sink = new Uint8Array(16 * 1024);
  try {
    while (await conn.read(sink) !== null) {
      // Bytes after the request are not forwarded.
    }
  } catch {
    // Closed when the exchange ended.
  }
}
