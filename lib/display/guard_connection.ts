/**
 * One guarded connection: the client socket the guard accepted (the VM's
 * waypipe client), the socket the guard opened to the compositor, the
 * filter that sees every byte and fd between them, and a queue of output
 * per side. The loop (guard_loop.ts) owns the epoll fd and tells the
 * connection what epoll reported; the connection moves bytes and fds and
 * says when it is over.
 *
 * Sockets are edge-triggered: each side remembers whether it may be
 * readable or writable and clears that on EAGAIN. Bytes arrive with
 * recvmsg (fds with them, close-on-exec), go through the filter, wait in
 * the other side's queue and leave with sendmsg; the guard's copy of an
 * fd is closed once the fd is sent.
 *
 * Bounds: while a side has more than {@linkcode BACKPRESSURE_BYTES} (or
 * {@linkcode BACKPRESSURE_FDS}) waiting, the guard stops reading from the
 * other side, so a peer that does not read slows its partner down instead
 * of filling the guard. The filter's own output is not held back that way,
 * so past {@linkcode LIMIT_BYTES} (or {@linkcode LIMIT_FDS}) the
 * connection ends.
 *
 * Wayland connections do not half-close: end of file on either side, a
 * socket error, a filter that throws or asks to close ends both. What is
 * queued for the other side is sent if it can go at once, so a protocol
 * error reaches the client before its socket closes.
 *
 * @module
 */

import {
  EPOLLERR,
  EPOLLHUP,
  EPOLLIN,
  EPOLLOUT,
  EPOLLRDHUP,
  FD_PASSING_MAX_BYTES,
  type FdApi,
  type FdPassingApi,
  LibcError,
} from "../ffi/mod.ts";
import { errorMessage } from "../errors/mod.ts";
import type { FilterOutput, MessageFilter } from "./message_filter.ts";
import { OutputQueue } from "./output_queue.ts";
import { MAX_FDS_PER_MESSAGE } from "./wire.ts";

/** Queued bytes for a side past which the guard stops reading the other. */
export const BACKPRESSURE_BYTES = 4 * 1024 * 1024;
/** Queued bytes for a side past which the connection ends. */
export const LIMIT_BYTES = 16 * 1024 * 1024;
/** Queued fds for a side past which the guard stops reading the other. */
export const BACKPRESSURE_FDS = 256;
/** Queued fds for a side past which the connection ends. */
export const LIMIT_FDS = 1024;
/** Reads per side in one turn before other connections get theirs. */
const READS_PER_TURN = 4;

/** What a connection moves bytes with, shared by the loop's connections. */
export interface GuardIo {
  /** Plain fd calls (close). */
  readonly fds: FdApi;
  /** sendmsg/recvmsg with fds. */
  readonly passing: FdPassingApi;
  /** Where recvmsg puts bytes; copied out before the filter sees them. */
  readonly buffer: Uint8Array;
  /** Writes a line to the VM's log. */
  log(line: string): void;
}

/**
 * What a {@linkcode GuardConnection.step} came to: nothing to do until
 * epoll says more (`waiting`), it stopped to give others a turn (`more`),
 * or the connection is over and why (`{ end }`).
 */
export type StepResult = "waiting" | "more" | { readonly end: string };

/** A socket end, what epoll last said of it, and what waits to go there. */
interface Side {
  readonly fd: number;
  /** "client" or "compositor", for reasons. */
  readonly name: string;
  readonly out: OutputQueue;
  readable: boolean;
  writable: boolean;
  bytesIn: number;
  fdsIn: number;
}

function side(fd: number, name: string): Side {
  return {
    fd,
    name,
    out: new OutputQueue(),
    readable: true,
    writable: true,
    bytesIn: 0,
    fdsIn: 0,
  };
}

/** Why I/O on `side` failed, in words for the log. */
function failure(side: Side, error: unknown): string {
  if (!(error instanceof LibcError)) {
    return `${side.name} socket: ${errorMessage(error)}`;
  }
  if (error.code === "ECONNRESET" || error.code === "EPIPE") {
    return `${side.name} closed the connection (${error.code})`;
  }
  return `${side.name} socket: ${error.call}: ${error.code}`;
}

/** A client connection, its compositor connection and a filter between. */
export class GuardConnection {
  /** The loop's id of the connection. */
  readonly id: number;
  readonly #io: GuardIo;
  readonly #filter: MessageFilter;
  readonly #client: Side;
  readonly #server: Side;
  /** fds received or given by the filter, not yet sent or closed. */
  readonly #held = new Set<number>();
  #mostQueued = 0;
  #ending?: string;

  /**
   * A connection between `clientFd` and `serverFd` (both non-blocking;
   * the connection owns them) through `filter`.
   */
  constructor(
    io: GuardIo,
    options: {
      id: number;
      clientFd: number;
      serverFd: number;
      filter: MessageFilter;
    },
  ) {
    this.#io = io;
    this.id = options.id;
    this.#filter = options.filter;
    this.#client = side(options.clientFd, "client");
    this.#server = side(options.serverFd, "compositor");
  }

  /** Queues the filter's first bytes for the compositor. */
  start(): void {
    this.#call(() => this.#filter.start(), "starting");
  }

  /** Every fd the connection holds, for closing it. */
  fds(): number[] {
    return [this.#client.fd, this.#server.fd, ...this.#held];
  }

  /** How it went so far (see {@linkcode GuardConnectionEnd}). */
  stats(): {
    bytesFromClient: number;
    bytesFromServer: number;
    fdsFromClient: number;
    fdsFromServer: number;
    mostQueued: number;
  } {
    return {
      bytesFromClient: this.#client.bytesIn,
      bytesFromServer: this.#server.bytesIn,
      fdsFromClient: this.#client.fdsIn,
      fdsFromServer: this.#server.fdsIn,
      mostQueued: this.#mostQueued,
    };
  }

  /** epoll reported `mask` for the compositor socket (`server`) or the client's. */
  notice(server: boolean, mask: number): void {
    const target = server ? this.#server : this.#client;
    if (mask & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
      target.readable = true;
    }
    if (mask & (EPOLLOUT | EPOLLHUP | EPOLLERR)) target.writable = true;
  }

  /** Moves what it can now (see {@linkcode StepResult}). */
  step(): StepResult {
    for (let turn = 0; turn < READS_PER_TURN; turn++) {
      this.#flush(this.#client);
      this.#flush(this.#server);
      if (this.#ending !== undefined) return this.#end();
      const fromClient = this.#mayRead(this.#client, this.#server);
      const fromServer = this.#mayRead(this.#server, this.#client);
      if (!fromClient && !fromServer) return "waiting";
      if (fromClient) this.#read(this.#client);
      if (fromServer && this.#ending === undefined) this.#read(this.#server);
    }
    this.#flush(this.#client);
    this.#flush(this.#server);
    if (this.#ending !== undefined) return this.#end();
    const more = this.#mayRead(this.#client, this.#server) ||
      this.#mayRead(this.#server, this.#client);
    return more ? "more" : "waiting";
  }

  /** Sends what may go at once, then reports the end. */
  #end(): StepResult {
    const reason = this.#ending!;
    this.#flush(this.#client);
    this.#flush(this.#server);
    return { end: reason };
  }

  #mayRead(from: Side, to: Side): boolean {
    return from.readable && to.out.size <= BACKPRESSURE_BYTES &&
      to.out.fdCount <= BACKPRESSURE_FDS;
  }

  #read(from: Side): void {
    let received;
    try {
      received = this.#io.passing.receive(from.fd, this.#io.buffer);
    } catch (error) {
      this.#ending ??= failure(from, error);
      return;
    }
    if (!received) {
      from.readable = false;
      return;
    }
    for (const fd of received.fds) this.#held.add(fd);
    from.fdsIn += received.fds.length;
    if (received.length === 0) {
      this.#ending ??= `${from.name} closed the connection`;
      return;
    }
    from.bytesIn += received.length;
    // The filter may keep a partial message: it gets bytes of its own.
    const bytes = this.#io.buffer.slice(0, received.length);
    const fds = received.fds;
    if (from === this.#client) {
      this.#call(() => this.#filter.fromClient(bytes, fds), "client bytes");
    } else {
      this.#call(() => this.#filter.fromServer(bytes, fds), "compositor bytes");
    }
  }

  /** Runs the filter and acts on what it says; a throw ends the connection. */
  #call(filter: () => FilterOutput, what: string): void {
    let output: FilterOutput;
    try {
      output = filter();
    } catch (error) {
      this.#ending ??= `filter failed on ${what}: ${errorMessage(error)}`;
      return;
    }
    for (const line of output.log) this.#io.log(line);
    for (const fd of output.toServerFds) this.#held.add(fd);
    for (const fd of output.toClientFds) this.#held.add(fd);
    this.#server.out.push(output.toServer, output.toServerFds);
    this.#client.out.push(output.toClient, output.toClientFds);
    for (const fd of output.closeFds) this.#release(fd);
    if (output.close !== undefined) this.#ending ??= output.close;
    for (const to of [this.#client, this.#server]) {
      this.#mostQueued = Math.max(this.#mostQueued, to.out.size);
      if (to.out.size > LIMIT_BYTES || to.out.fdCount > LIMIT_FDS) {
        this.#ending ??= `the ${to.name} does not read: more than ${
          LIMIT_BYTES / 1024 / 1024
        } MiB or ${LIMIT_FDS} fds queued for it`;
      }
    }
  }

  /** Sends `to`'s queue while its socket takes it. */
  #flush(to: Side): void {
    while (to.writable) {
      const batch = to.out.next(FD_PASSING_MAX_BYTES, MAX_FDS_PER_MESSAGE);
      if (!batch) return;
      let sent;
      try {
        // Without fds a plain write does, with one call less (sendmsg's
        // header goes through a mapping of its own).
        sent = batch.fds.length === 0
          ? this.#io.fds.write(to.fd, batch.bytes)
          : this.#io.passing.send(to.fd, batch.bytes, batch.fds);
      } catch (error) {
        this.#ending ??= failure(to, error);
        to.writable = false;
        return;
      }
      if (!sent) {
        to.writable = false;
        return;
      }
      to.out.consume(sent, batch.fds.length);
      // The kernel holds its own references now.
      for (const fd of batch.fds) this.#release(fd);
    }
  }

  /** Closes `fd` if the connection still holds it. */
  #release(fd: number): void {
    if (!this.#held.delete(fd)) return;
    this.#io.fds.closeQuietly(fd);
  }
}
