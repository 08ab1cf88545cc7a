/**
 * One relayed connection: the client socket a listener accepted, the
 * upstream socket the engine routed it to, and the two directions of
 * bytes between them, with every bit of its state behind methods. The
 * loop (relay_loop.ts) owns the epoll fd and tells the connection what
 * epoll reported; the connection moves bytes and says what it needs next.
 *
 * A connection goes through phases: `prefix` (reading the listener's
 * fixed-size header, if it has one), `pending` (the engine decides),
 * `connecting` (a non-blocking connect is under way), `sending` (bytes the
 * engine asked to send upstream first, e.g. a forward header), then
 * `relaying`.
 *
 * Bytes move socket → pipe → socket with splice, so they never enter user
 * space. Sockets are edge-triggered: each side remembers whether it may be
 * readable or writable and clears that on EAGAIN. A direction only reads
 * into its pipe when the pipe is empty: then an EAGAIN from that splice can
 * only mean the socket has nothing, never that the pipe is full (a pipe
 * counts slots, not bytes), so readiness is never cleared wrongly and a
 * connection cannot stall.
 *
 * Half-close: end of file on one socket becomes shutdown(SHUT_WR) on the
 * other once the pipe has drained; a connection ends when both directions
 * have. A peer that hung up entirely (EPOLLHUP) can take nothing more, so
 * the direction towards it is dropped; a socket error closes both sides.
 *
 * @module
 */

import {
  EPOLLERR,
  EPOLLHUP,
  EPOLLIN,
  EPOLLOUT,
  EPOLLRDHUP,
  ERRNO,
  errnoName,
  type FdApi,
  formatSocketAddress,
  LibcError,
  O_CLOEXEC,
  O_NONBLOCK,
  SHUT_WR,
  type SocketAddress,
  type SocketApi,
  SPLICE_F_MOVE,
  SPLICE_F_NONBLOCK,
  type SpliceApi,
} from "../ffi/mod.ts";

/** Pipefuls one direction may move per turn before others get a turn. */
const ROUNDS_PER_TURN = 4;

/** What a connection moves bytes with. */
export interface RelayIo {
  /** Plain fd calls. */
  readonly fds: FdApi;
  /** Socket calls. */
  readonly sockets: SocketApi;
  /** Pipes and splice. */
  readonly splice: SpliceApi;
  /** Capacity asked for each direction's pipe. */
  readonly pipeSize: number;
}

/** Where a connection is (see the module doc). */
export type RelayPhase =
  | "prefix"
  | "pending"
  | "connecting"
  | "sending"
  | "relaying";

/**
 * What a {@linkcode RelayConnection.step} came to: nothing to do until
 * epoll says more (`waiting`), the prefix is complete (`prefix-read`), it
 * stopped to give others a turn (`more`), or both directions are over
 * (`done`).
 */
export type StepResult = "waiting" | "prefix-read" | "more" | "done";

/** Options of {@linkcode RelayConnection}. */
export interface RelayConnectionOptions {
  /** The loop's id of the connection. */
  id: number;
  /** Index of the listener that accepted it. */
  listener: number;
  /** The client's address. */
  peer: SocketAddress;
  /** The accepted socket (non-blocking); the connection owns it. */
  fd: number;
  /** Bytes to read before the engine hears of it (0: none). */
  prefixLength: number;
}

/** A socket end and what epoll last said of it. */
interface Side {
  fd: number;
  readable: boolean;
  writable: boolean;
  hungUp: boolean;
  failed: boolean;
}

/** One way through: socket → pipe → socket. */
interface Direction {
  from: Side;
  to: Side;
  pipeRead: number;
  pipeWrite: number;
  inPipe: number;
  eof: boolean;
  done: boolean;
  bytes: number;
}

function side(fd: number, ready: boolean): Side {
  return { fd, readable: ready, writable: ready, hungUp: false, failed: false };
}

/** A client connection, its upstream, and the bytes between them. */
export class RelayConnection {
  /** The loop's id of the connection. */
  readonly id: number;
  /** Index of the listener that accepted it. */
  readonly listener: number;
  /** The client's address. */
  readonly peer: SocketAddress;
  /** The listener's prefix bytes, once read (see `phase`). */
  readonly prefix?: Uint8Array;
  /** The local address the client connected to, once the loop asked. */
  local?: SocketAddress;
  readonly #io: RelayIo;
  readonly #client: Side;
  #phase: RelayPhase;
  #prefixFilled = 0;
  #upstream?: Side;
  #target?: string;
  #send?: Uint8Array;
  #sent = 0;
  #up?: Direction;
  #down?: Direction;

  /** A connection for the accepted socket of `options`. */
  constructor(io: RelayIo, options: RelayConnectionOptions) {
    this.#io = io;
    this.id = options.id;
    this.listener = options.listener;
    this.peer = options.peer;
    this.#client = side(options.fd, true);
    this.#phase = options.prefixLength > 0 ? "prefix" : "pending";
    if (options.prefixLength > 0) {
      this.prefix = new Uint8Array(options.prefixLength);
    }
  }

  /** Where the connection is. */
  get phase(): RelayPhase {
    return this.#phase;
  }

  /** The upstream's address, for messages, once routed. */
  get target(): string | undefined {
    return this.#target;
  }

  /** Bytes relayed client → upstream. */
  get bytesUp(): number {
    return this.#up?.bytes ?? 0;
  }

  /** Bytes relayed upstream → client. */
  get bytesDown(): number {
    return this.#down?.bytes ?? 0;
  }

  /** Every fd the connection holds, for closing it. */
  fds(): number[] {
    const fds = [this.#client.fd];
    if (this.#upstream) fds.push(this.#upstream.fd);
    for (const direction of [this.#up, this.#down]) {
      if (direction) fds.push(direction.pipeRead, direction.pipeWrite);
    }
    return fds;
  }

  /**
   * epoll reported `mask` for the upstream socket (`upstream`) or the
   * client's; false when there is no such socket (yet).
   */
  notice(upstream: boolean, mask: number): boolean {
    const target = upstream ? this.#upstream : this.#client;
    if (!target) return false;
    if (mask & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
      target.readable = true;
    }
    if (mask & (EPOLLOUT | EPOLLHUP | EPOLLERR)) target.writable = true;
    if (mask & EPOLLHUP) target.hungUp = true;
    if (mask & EPOLLERR) target.failed = true;
    return true;
  }

  /**
   * Opens the upstream socket to `to` and connects it (non-blocking);
   * `watch` registers the new fd with epoll before the connect, so no
   * failure path leaks it. `send` goes upstream before the client's bytes.
   */
  route(
    to: SocketAddress,
    send: Uint8Array | undefined,
    watch: (fd: number) => void,
  ): void {
    this.#target = formatSocketAddress(to);
    const fd = this.#io.sockets.socket(to.family, { nonblocking: true });
    this.#upstream = side(fd, false);
    watch(fd);
    this.#send = send;
    if (this.#io.sockets.connect(fd, to) === "connected") {
      this.#upstream.readable = true;
      this.#upstream.writable = true;
      this.#phase = "sending";
    } else {
      this.#phase = "connecting";
    }
  }

  /** Does what the sockets allow now; throws when the connection failed. */
  step(): StepResult {
    if (this.#phase === "prefix") return this.#readPrefix();
    if (this.#phase === "pending") return "waiting";
    const upstream = this.#upstream!;
    if (this.#phase === "connecting") {
      if (!upstream.writable) return "waiting";
      const errno = this.#io.sockets.pendingError(upstream.fd);
      if (errno !== 0) {
        throw new Error(`connect ${this.#target}: ${errnoName(errno)}`);
      }
      this.#phase = "sending";
      upstream.readable = true;
    }
    if (this.#phase === "sending") {
      const send = this.#send;
      while (send && this.#sent < send.length) {
        if (!upstream.writable) return "waiting";
        const count = this.#io.fds.write(
          upstream.fd,
          send.subarray(this.#sent),
        );
        if (count === undefined) upstream.writable = false;
        else this.#sent += count;
      }
      this.#startRelay(upstream);
    }
    return this.#relay();
  }

  #readPrefix(): StepResult {
    const prefix = this.prefix!;
    const client = this.#client;
    while (this.#prefixFilled < prefix.length) {
      if (client.failed) throw new Error("socket error");
      if (!client.readable) return "waiting";
      const count = this.#io.fds.read(
        client.fd,
        prefix.subarray(this.#prefixFilled),
      );
      if (count === undefined) {
        client.readable = false;
        return "waiting";
      }
      if (count === 0) {
        throw new Error(
          `closed after ${this.#prefixFilled} of ${prefix.length} header bytes`,
        );
      }
      this.#prefixFilled += count;
    }
    this.#phase = "pending";
    return "prefix-read";
  }

  #startRelay(upstream: Side): void {
    const direction = (from: Side, to: Side): Direction => {
      const pipe = this.#io.splice.pipe(O_NONBLOCK | O_CLOEXEC);
      const made: Direction = {
        from,
        to,
        pipeRead: pipe.read,
        pipeWrite: pipe.write,
        inPipe: 0,
        eof: false,
        done: false,
        bytes: 0,
      };
      this.#io.splice.setPipeSize(pipe.write, this.#io.pipeSize);
      return made;
    };
    this.#phase = "relaying";
    this.#up = direction(this.#client, upstream);
    this.#down = direction(upstream, this.#client);
  }

  #relay(): StepResult {
    const up = this.#up;
    const down = this.#down;
    if (!up || !down) return "waiting";
    for (const end of [this.#client, this.#upstream!]) {
      if (end.failed) {
        const errno = this.#io.sockets.pendingError(end.fd);
        throw new Error(errno ? errnoName(errno) : "socket error");
      }
    }
    let more = false;
    for (const direction of [up, down]) {
      // A peer that hung up entirely cannot take more bytes.
      if (direction.to.hungUp && !direction.done && direction.inPipe === 0) {
        direction.done = true;
      }
      more = this.#pump(direction) || more;
    }
    if (up.done && down.done) return "done";
    return more ? "more" : "waiting";
  }

  /** Moves what it can; true when it stopped only to give others a turn. */
  #pump(direction: Direction): boolean {
    const { splice, pipeSize } = this.#io;
    const flags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;
    for (let round = 0; round < ROUNDS_PER_TURN * 2; round++) {
      if (direction.done) return false;
      if (direction.inPipe > 0) {
        if (!direction.to.writable) return false;
        const moved = splice.splice(
          direction.pipeRead,
          direction.to.fd,
          direction.inPipe,
          flags,
        );
        if (moved === undefined) {
          direction.to.writable = false;
          return false;
        }
        direction.inPipe -= moved;
        direction.bytes += moved;
        continue;
      }
      if (direction.eof) {
        this.#shutdownWrite(direction.to.fd);
        direction.done = true;
        return false;
      }
      if (!direction.from.readable) return false;
      const moved = splice.splice(
        direction.from.fd,
        direction.pipeWrite,
        pipeSize,
        flags,
      );
      if (moved === undefined) {
        direction.from.readable = false;
        return false;
      }
      if (moved === 0) direction.eof = true;
      else direction.inPipe += moved;
    }
    return true;
  }

  #shutdownWrite(fd: number): void {
    try {
      this.#io.sockets.shutdown(fd, SHUT_WR);
    } catch (error) {
      // The peer is already gone: nothing left to tell it.
      if (!(error instanceof LibcError && error.errno === ERRNO.ENOTCONN)) {
        throw error;
      }
    }
  }
}
