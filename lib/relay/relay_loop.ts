/**
 * The relay's event loop: one thread, one epoll fd, many connections, every
 * fd non-blocking, and every call synchronous so errno is read on the
 * thread that failed (see lib/ffi/library.ts). It runs in a Worker (see
 * relay_worker.ts) and sleeps in epoll_wait whenever nothing is ready.
 *
 * Bytes move socket → pipe → socket with splice, so they never enter user
 * space. Connection sockets are edge-triggered: the loop remembers per
 * socket whether it may be readable or writable and clears that on EAGAIN,
 * which is what keeps it from spinning on a socket that stays "ready" (a
 * hung-up peer is reported as long as it exists under level triggering).
 * A direction only reads into its pipe when the pipe is empty: then an
 * EAGAIN from that splice can only mean the socket has nothing, never that
 * the pipe is full (a pipe counts slots, not bytes), so readiness is never
 * cleared wrongly and a connection cannot stall.
 *
 * Half-close: end of file on one socket becomes shutdown(SHUT_WR) on the
 * other once the pipe has drained; a connection ends when both directions
 * have. A peer that hung up entirely (EPOLLHUP) can take nothing more, so
 * the direction towards it is dropped; a socket error closes both sides.
 *
 * Fairness: one wake-up moves at most a few pipefuls per direction; a
 * connection with more to do goes on a ready list, and epoll_wait does not
 * sleep while that list has entries.
 *
 * @module
 */

import {
  type EpollApi,
  EPOLLERR,
  EPOLLET,
  EpollEvents,
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
  openEpollApi,
  openFdApi,
  openSocketApi,
  openSpliceApi,
  SHUT_WR,
  type SocketAddress,
  type SocketApi,
  SPLICE_F_MOVE,
  SPLICE_F_NONBLOCK,
  type SpliceApi,
} from "../ffi/mod.ts";
import type {
  ControlCommand,
  LoopEvent,
  LoopInit,
  LoopListener,
} from "./protocol.ts";

/** epoll data of the control pipe. */
const CONTROL_DATA = 0xffff_ffff;
/** epoll data of listener i is this plus i. */
const LISTENER_DATA = 0xffff_0000;
/** Connection ids stay below this, so `id * 2 + side` stays below listeners'. */
const MAX_CONNECTION_ID = 0x7fff_0000;
/** Pipefuls one direction may move per wake-up before others get a turn. */
const ROUNDS_PER_TURN = 4;
/** How long a listener rests after accept fails (e.g. out of fds). */
const ACCEPT_PAUSE_MS = 100;
const EDGE_EVENTS = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;

interface Side {
  fd: number;
  readable: boolean;
  writable: boolean;
  hungUp: boolean;
  failed: boolean;
}

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

interface Connection {
  id: number;
  listener: number;
  peer: SocketAddress;
  local?: SocketAddress;
  client: Side;
  upstream?: Side;
  /** The upstream's address, for messages. */
  target?: string;
  phase: "prefix" | "pending" | "connecting" | "sending" | "relaying";
  prefix?: Uint8Array;
  prefixFilled: number;
  deadline: number;
  send?: Uint8Array;
  sent: number;
  up?: Direction;
  down?: Direction;
}

function side(fd: number, ready: boolean): Side {
  return { fd, readable: ready, writable: ready, hungUp: false, failed: false };
}

function describe(error: unknown): string {
  if (error instanceof LibcError) return `${error.call}: ${error.code}`;
  return error instanceof Error ? error.message : String(error);
}

/** The loop of one relay engine; construct in the Worker, then `run()`. */
export class RelayLoop {
  readonly #post: (event: LoopEvent) => void;
  readonly #init: LoopInit;
  readonly #epoll: EpollApi;
  readonly #fds: FdApi;
  readonly #sockets: SocketApi;
  readonly #splice: SpliceApi;
  readonly #epfd: number;
  readonly #events = new EpollEvents(256);
  readonly #connections = new Map<number, Connection>();
  readonly #ready = new Set<number>();
  readonly #pausedListeners = new Map<number, number>();
  readonly #controlBuffer = new Uint8Array(64 * 1024);
  // Streaming, so a character split across two reads decodes whole.
  readonly #controlDecoder = new TextDecoder();
  readonly #awaitingPrefix = new Set<Connection>();
  #controlText = "";
  #nextId = 1;
  #stopping = false;

  /** Opens libc and epoll; `post` sends events to the engine. */
  constructor(init: LoopInit, post: (event: LoopEvent) => void) {
    this.#init = init;
    this.#post = post;
    this.#epoll = openEpollApi();
    this.#fds = openFdApi();
    this.#sockets = openSocketApi();
    this.#splice = openSpliceApi();
    this.#epfd = this.#epoll.create();
  }

  /** Runs until a `stop` command (or the control pipe closing). */
  run(): void {
    let failure: string | undefined;
    try {
      this.#epoll.add(this.#epfd, this.#init.controlFd, EPOLLIN, CONTROL_DATA);
      this.#init.listeners.forEach((listener, index) =>
        this.#epoll.add(this.#epfd, listener.fd, EPOLLIN, LISTENER_DATA + index)
      );
      this.#post({ type: "ready" });
      while (!this.#stopping) {
        const count = this.#epoll.wait(
          this.#epfd,
          this.#events,
          this.#timeout(),
        );
        for (let i = 0; i < count && !this.#stopping; i++) {
          this.#dispatch(this.#events.data(i), this.#events.events(i));
        }
        if (this.#stopping) break;
        this.#expireTimers();
        this.#runReady();
      }
    } catch (error) {
      failure = describe(error);
    } finally {
      this.#closeEverything();
    }
    this.#post({ type: "stopped", error: failure });
  }

  #timeout(): number {
    if (this.#ready.size > 0) return 0;
    let next = Infinity;
    for (const until of this.#pausedListeners.values()) {
      next = Math.min(next, until);
    }
    for (const connection of this.#awaitingPrefix) {
      next = Math.min(next, connection.deadline);
    }
    if (next === Infinity) return -1;
    return Math.max(0, Math.ceil(next - performance.now()));
  }

  #dispatch(data: number, mask: number): void {
    if (data === CONTROL_DATA) return this.#readControl();
    if (data >= LISTENER_DATA) return this.#acceptAll(data - LISTENER_DATA);
    const connection = this.#connections.get(data >>> 1);
    if (!connection) return;
    const target = data & 1 ? connection.upstream : connection.client;
    if (!target) return;
    if (mask & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
      target.readable = true;
    }
    if (mask & (EPOLLOUT | EPOLLHUP | EPOLLERR)) target.writable = true;
    if (mask & EPOLLHUP) target.hungUp = true;
    if (mask & EPOLLERR) target.failed = true;
    this.#advance(connection);
  }

  #readControl(): void {
    while (true) {
      const count = this.#fds.read(this.#init.controlFd, this.#controlBuffer);
      if (count === undefined) break;
      if (count === 0) {
        // The engine's end is gone: nobody is left to route connections.
        this.#stopping = true;
        return;
      }
      this.#controlText += this.#controlDecoder.decode(
        this.#controlBuffer.subarray(0, count),
        { stream: true },
      );
    }
    const lines = this.#controlText.split("\n");
    this.#controlText = lines.pop() ?? "";
    for (const line of lines) {
      if (this.#stopping) return;
      let command: ControlCommand;
      try {
        command = JSON.parse(line);
      } catch {
        this.#post({ type: "warning", message: `bad control line: ${line}` });
        continue;
      }
      this.#command(command);
    }
  }

  #command(command: ControlCommand): void {
    if (command.op === "stop") {
      this.#stopping = true;
      return;
    }
    const connection = this.#connections.get(command.conn);
    if (!connection || connection.phase !== "pending") return;
    if (command.op === "deny") {
      this.#close(connection, `denied: ${command.reason}`);
      return;
    }
    connection.target = formatSocketAddress(command.to);
    try {
      const fd = this.#sockets.socket(command.to.family, { nonblocking: true });
      // Registered before connect so no failure path leaks the fd.
      connection.upstream = side(fd, false);
      this.#epoll.add(this.#epfd, fd, EDGE_EVENTS, connection.id * 2 + 1);
      connection.send = command.send ? new Uint8Array(command.send) : undefined;
      if (this.#sockets.connect(fd, command.to) === "connected") {
        connection.upstream.readable = true;
        connection.upstream.writable = true;
        connection.phase = "sending";
      } else {
        connection.phase = "connecting";
      }
    } catch (error) {
      this.#close(
        connection,
        `connect ${connection.target}: ${
          error instanceof LibcError ? error.code : describe(error)
        }`,
      );
      return;
    }
    this.#advance(connection);
  }

  #acceptAll(index: number): void {
    const listener: LoopListener | undefined = this.#init.listeners[index];
    if (!listener) return;
    while (true) {
      let accepted;
      try {
        accepted = this.#sockets.accept(listener.fd, { nonblocking: true });
      } catch (error) {
        // Level-triggered: retrying at once would spin while fds are short.
        this.#epoll.modify(this.#epfd, listener.fd, 0, LISTENER_DATA + index);
        this.#pausedListeners.set(index, performance.now() + ACCEPT_PAUSE_MS);
        this.#post({
          type: "warning",
          message: `accept paused for ${ACCEPT_PAUSE_MS} ms: ${
            describe(error)
          }`,
        });
        return;
      }
      if (!accepted) return;
      const id = this.#nextId;
      this.#nextId = id + 1 >= MAX_CONNECTION_ID ? 1 : id + 1;
      const connection: Connection = {
        id,
        listener: index,
        peer: accepted.peer,
        client: side(accepted.fd, true),
        phase: listener.prefixLength > 0 ? "prefix" : "pending",
        prefix: listener.prefixLength > 0
          ? new Uint8Array(listener.prefixLength)
          : undefined,
        prefixFilled: 0,
        deadline: performance.now() + this.#init.prefixTimeoutMs,
        sent: 0,
      };
      this.#connections.set(id, connection);
      try {
        this.#epoll.add(this.#epfd, accepted.fd, EDGE_EVENTS, id * 2);
        connection.local = this.#sockets.localAddress(accepted.fd);
      } catch (error) {
        this.#close(connection, describe(error));
        continue;
      }
      // With a prefix, the engine hears of the connection once it is read.
      if (connection.phase === "prefix") {
        this.#awaitingPrefix.add(connection);
        this.#advance(connection);
      } else this.#reportAccepted(connection);
    }
  }

  #expireTimers(): void {
    const now = performance.now();
    for (const [index, until] of this.#pausedListeners) {
      if (until > now) continue;
      this.#pausedListeners.delete(index);
      const listener = this.#init.listeners[index];
      this.#epoll.modify(
        this.#epfd,
        listener.fd,
        EPOLLIN,
        LISTENER_DATA + index,
      );
      this.#acceptAll(index);
    }
    for (const connection of [...this.#awaitingPrefix]) {
      if (connection.deadline <= now) {
        this.#close(
          connection,
          `no ${connection.prefix?.length}-byte header within ${this.#init.prefixTimeoutMs} ms`,
        );
      }
    }
  }

  #runReady(): void {
    const ids = [...this.#ready];
    this.#ready.clear();
    for (const id of ids) {
      const connection = this.#connections.get(id);
      if (connection) this.#advance(connection);
    }
  }

  #advance(connection: Connection): void {
    try {
      this.#step(connection);
    } catch (error) {
      this.#close(connection, describe(error));
    }
  }

  #step(connection: Connection): void {
    if (connection.phase === "prefix") return this.#readPrefix(connection);
    if (connection.phase === "pending") return;
    const upstream = connection.upstream!;
    if (connection.phase === "connecting") {
      if (!upstream.writable) return;
      const errno = this.#sockets.pendingError(upstream.fd);
      if (errno !== 0) {
        throw new Error(`connect ${connection.target}: ${errnoName(errno)}`);
      }
      connection.phase = "sending";
      upstream.readable = true;
    }
    if (connection.phase === "sending") {
      const send = connection.send;
      while (send && connection.sent < send.length) {
        if (!upstream.writable) return;
        const count = this.#fds.write(
          upstream.fd,
          send.subarray(connection.sent),
        );
        if (count === undefined) upstream.writable = false;
        else connection.sent += count;
      }
      this.#startRelay(connection);
    }
    this.#relay(connection);
  }

  #readPrefix(connection: Connection): void {
    const prefix = connection.prefix!;
    while (connection.prefixFilled < prefix.length) {
      if (connection.client.failed) throw new Error("socket error");
      if (!connection.client.readable) return;
      const count = this.#fds.read(
        connection.client.fd,
        prefix.subarray(connection.prefixFilled),
      );
      if (count === undefined) {
        connection.client.readable = false;
        return;
      }
      if (count === 0) {
        throw new Error(
          `closed after ${connection.prefixFilled} of ${prefix.length} header bytes`,
        );
      }
      connection.prefixFilled += count;
    }
    connection.phase = "pending";
    this.#awaitingPrefix.delete(connection);
    this.#reportAccepted(connection);
  }

  #reportAccepted(connection: Connection): void {
    this.#post({
      type: "accepted",
      conn: connection.id,
      listener: connection.listener,
      peer: connection.peer,
      local: connection.local!,
      prefix: connection.prefix,
    });
  }

  #startRelay(connection: Connection): void {
    const upstream = connection.upstream!;
    const direction = (from: Side, to: Side): Direction => {
      const pipe = this.#splice.pipe(O_NONBLOCK | O_CLOEXEC);
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
      this.#splice.setPipeSize(pipe.write, this.#init.pipeSize);
      return made;
    };
    connection.phase = "relaying";
    connection.up = direction(connection.client, upstream);
    connection.down = direction(upstream, connection.client);
  }

  #relay(connection: Connection): void {
    const { up, down } = connection;
    if (!up || !down) return;
    for (const end of [connection.client, connection.upstream!]) {
      if (end.failed) {
        const errno = this.#sockets.pendingError(end.fd);
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
    if (up.done && down.done) {
      this.#close(connection);
    } else if (more) {
      this.#ready.add(connection.id);
    }
  }

  /** Moves what it can; true when it stopped only to give others a turn. */
  #pump(direction: Direction): boolean {
    const flags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;
    for (let round = 0; round < ROUNDS_PER_TURN * 2; round++) {
      if (direction.done) return false;
      if (direction.inPipe > 0) {
        if (!direction.to.writable) return false;
        const moved = this.#splice.splice(
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
      const moved = this.#splice.splice(
        direction.from.fd,
        direction.pipeWrite,
        this.#init.pipeSize,
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
      this.#sockets.shutdown(fd, SHUT_WR);
    } catch (error) {
      // The peer is already gone: nothing left to tell it.
      if (!(error instanceof LibcError && error.errno === ERRNO.ENOTCONN)) {
        throw error;
      }
    }
  }

  #close(connection: Connection, error?: string): void {
    if (!this.#connections.delete(connection.id)) return;
    this.#ready.delete(connection.id);
    this.#awaitingPrefix.delete(connection);
    const fds = [connection.client.fd, connection.upstream?.fd];
    for (const direction of [connection.up, connection.down]) {
      if (direction) fds.push(direction.pipeRead, direction.pipeWrite);
    }
    for (const fd of fds) {
      if (fd !== undefined) this.#closeQuietly(fd);
    }
    this.#post({
      type: "closed",
      conn: connection.id,
      bytesUp: connection.up?.bytes ?? 0,
      bytesDown: connection.down?.bytes ?? 0,
      error,
    });
  }

  #closeQuietly(fd: number): void {
    try {
      this.#fds.close(fd);
    } catch {
      // Closing is best effort at teardown; the fd is released either way.
    }
  }

  #closeEverything(): void {
    for (const connection of [...this.#connections.values()]) {
      this.#close(connection, "relay stopped");
    }
    for (const listener of this.#init.listeners) {
      this.#closeQuietly(listener.fd);
    }
    this.#closeQuietly(this.#init.controlFd);
    this.#closeQuietly(this.#epfd);
    this.#epoll[Symbol.dispose]();
    this.#fds[Symbol.dispose]();
    this.#sockets[Symbol.dispose]();
    this.#splice[Symbol.dispose]();
  }
}
