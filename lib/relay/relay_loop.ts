/**
 * The relay's event loop: one thread, one epoll fd, many connections, every
 * fd non-blocking, and every call synchronous so errno is read on the
 * thread that failed (see lib/ffi/library.ts). It runs in a Worker (see
 * relay_worker.ts) and sleeps in epoll_wait whenever nothing is ready.
 *
 * Pieces, as in lib/vsock/backend_loop.ts: `#setUp` watches the control
 * pipe and the listeners; `run` waits and hands each ready fd to
 * `#dispatch`, which goes by its kind (the epoll data below); after each
 * wake-up `#expireTimers` and `#runReady` do what is due without an event;
 * `#closeEverything` releases every fd, whatever ended the loop. Each
 * connection's state and byte moving are its own (relay_connection.ts).
 *
 * Connection sockets are edge-triggered: a connection remembers per socket
 * whether it may be readable or writable and clears that on EAGAIN, which
 * is what keeps the loop from spinning on a socket that stays "ready" (a
 * hung-up peer is reported as long as it exists under level triggering).
 * Listeners and the control pipe are level-triggered.
 *
 * Fairness: one wake-up moves at most a few pipefuls per direction; a
 * connection with more to do goes on a ready list, and epoll_wait does not
 * sleep while that list has entries.
 *
 * @module
 */

import { errorMessage } from "../errors/mod.ts";
import {
  type EpollApi,
  EPOLLET,
  EpollEvents,
  EPOLLIN,
  EPOLLOUT,
  EPOLLRDHUP,
  type FdApi,
  LibcError,
  openEpollApi,
  openFdApi,
  openSocketApi,
  openSpliceApi,
  runEpollLoop,
  type SocketApi,
  type SpliceApi,
} from "../ffi/mod.ts";
import type { ControlCommand, LoopEvent, LoopInit } from "./protocol.ts";
import { RelayConnection, type RelayIo } from "./relay_connection.ts";

/** epoll data of the control pipe. */
const CONTROL_DATA = 0xffff_ffff;
/** epoll data of listener i is this plus i. */
const LISTENER_DATA = 0xffff_0000;
/**
 * epoll data of a connection's client socket is `id * 2`, of its upstream
 * `id * 2 + 1`; ids stay below this, so both stay below listeners'.
 */
const MAX_CONNECTION_ID = 0x7fff_0000;
/** Ready fds taken from one epoll_wait. */
const MAX_EVENTS = 256;
/** How long a listener rests after accept fails (e.g. out of fds). */
const ACCEPT_PAUSE_MS = 100;
const EDGE_EVENTS = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;

/** The loop of one relay engine; construct in the Worker, then `run()`. */
export class RelayLoop {
  readonly #post: (event: LoopEvent) => void;
  readonly #init: LoopInit;
  readonly #epoll: EpollApi;
  readonly #fds: FdApi;
  readonly #sockets: SocketApi;
  readonly #splice: SpliceApi;
  readonly #epfd: number;
  readonly #events = new EpollEvents(MAX_EVENTS);
  readonly #io: RelayIo;
  readonly #connections = new Map<number, RelayConnection>();
  readonly #ready = new Set<number>();
  readonly #pausedListeners = new Map<number, number>();
  readonly #awaitingPrefix = new Map<RelayConnection, number>();
  readonly #controlBuffer = new Uint8Array(64 * 1024);
  // Streaming, so a character split across two reads decodes whole.
  readonly #controlDecoder = new TextDecoder();
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
    this.#io = {
      fds: this.#fds,
      sockets: this.#sockets,
      splice: this.#splice,
      pipeSize: init.pipeSize,
    };
  }

  /** Runs until a `stop` command (or the control pipe closing). */
  run(): void {
    const failure = runEpollLoop({
      epoll: this.#epoll,
      epfd: this.#epfd,
      events: this.#events,
      setUp: () => {
        this.#setUp();
        this.#post({ type: "ready" });
      },
      stopping: () => this.#stopping,
      timeout: () => this.#timeout(),
      dispatch: (data, mask) => this.#dispatch(data, mask),
      afterWake: () => {
        this.#expireTimers();
        this.#runReady();
      },
      closeEverything: () => this.#closeEverything(),
    });
    this.#post({ type: "stopped", error: failure });
  }

  #setUp(): void {
    this.#epoll.add(this.#epfd, this.#init.controlFd, EPOLLIN, CONTROL_DATA);
    this.#init.listeners.forEach((listener, index) =>
      this.#epoll.add(this.#epfd, listener.fd, EPOLLIN, LISTENER_DATA + index)
    );
  }

  #timeout(): number {
    if (this.#ready.size > 0) return 0;
    let next = Infinity;
    for (const until of this.#pausedListeners.values()) {
      next = Math.min(next, until);
    }
    for (const deadline of this.#awaitingPrefix.values()) {
      next = Math.min(next, deadline);
    }
    if (next === Infinity) return -1;
    return Math.max(0, Math.ceil(next - performance.now()));
  }

  #dispatch(data: number, mask: number): void {
    if (data === CONTROL_DATA) return this.#readControl();
    if (data >= LISTENER_DATA) return this.#acceptAll(data - LISTENER_DATA);
    const connection = this.#connections.get(data >>> 1);
    if (connection?.notice((data & 1) === 1, mask)) this.#advance(connection);
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
    try {
      connection.route(
        command.to,
        command.send ? new Uint8Array(command.send) : undefined,
        (fd) =>
          this.#epoll.add(this.#epfd, fd, EDGE_EVENTS, connection.id * 2 + 1),
      );
    } catch (error) {
      this.#close(
        connection,
        `connect ${connection.target}: ${
          error instanceof LibcError ? error.code : errorMessage(error)
        }`,
      );
      return;
    }
    this.#advance(connection);
  }

  #acceptAll(index: number): void {
    const listener = this.#init.listeners[index];
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
            errorMessage(error)
          }`,
        });
        return;
      }
      if (!accepted) return;
      const id = this.#nextId;
      this.#nextId = id + 1 >= MAX_CONNECTION_ID ? 1 : id + 1;
      const connection = new RelayConnection(this.#io, {
        id,
        listener: index,
        peer: accepted.peer,
        fd: accepted.fd,
        prefixLength: listener.prefixLength,
      });
      this.#connections.set(id, connection);
      try {
        this.#epoll.add(this.#epfd, accepted.fd, EDGE_EVENTS, id * 2);
        connection.local = this.#sockets.localAddress(accepted.fd);
      } catch (error) {
        this.#close(connection, errorMessage(error));
        continue;
      }
      // With a prefix, the engine hears of the connection once it is read.
      if (connection.phase === "prefix") {
        const deadline = performance.now() + this.#init.prefixTimeoutMs;
        this.#awaitingPrefix.set(connection, deadline);
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
    for (const [connection, deadline] of [...this.#awaitingPrefix]) {
      if (deadline <= now) {
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

  /** Lets `connection` do what it can, and acts on what it came to. */
  #advance(connection: RelayConnection): void {
    try {
      const result = connection.step();
      if (result === "prefix-read") {
        this.#awaitingPrefix.delete(connection);
        this.#reportAccepted(connection);
      } else if (result === "more") {
        this.#ready.add(connection.id);
      } else if (result === "done") {
        this.#close(connection);
      }
    } catch (error) {
      this.#close(connection, errorMessage(error));
    }
  }

  #reportAccepted(connection: RelayConnection): void {
    this.#post({
      type: "accepted",
      conn: connection.id,
      listener: connection.listener,
      peer: connection.peer,
      local: connection.local!,
      prefix: connection.prefix,
    });
  }

  #close(connection: RelayConnection, error?: string): void {
    if (!this.#connections.delete(connection.id)) return;
    this.#ready.delete(connection.id);
    this.#awaitingPrefix.delete(connection);
    for (const fd of connection.fds()) this.#fds.closeQuietly(fd);
    this.#post({
      type: "closed",
      conn: connection.id,
      bytesUp: connection.bytesUp,
      bytesDown: connection.bytesDown,
      error,
    });
  }

  #closeEverything(): void {
    for (const connection of [...this.#connections.values()]) {
      this.#close(connection, "relay stopped");
    }
    for (const listener of this.#init.listeners) {
      this.#fds.closeQuietly(listener.fd);
    }
    this.#fds.closeQuietly(this.#init.controlFd);
    this.#fds.closeQuietly(this.#epfd);
    this.#epoll[Symbol.dispose]();
    this.#fds[Symbol.dispose]();
    this.#sockets[Symbol.dispose]();
    this.#splice[Symbol.dispose]();
  }
}
