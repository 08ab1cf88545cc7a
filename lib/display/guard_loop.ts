/**
 * The display guard's event loop: one thread, one epoll fd, the guard's
 * listening socket and two sockets per guarded connection, with every
 * call synchronous so errno is read on the thread that failed (see
 * lib/ffi/library.ts). It runs in a Worker (see guard_worker.ts) and
 * sleeps in epoll_wait whenever nothing is ready.
 *
 * Pieces, as in lib/relay/relay_loop.ts: `#setUp` listens on the guard's
 * socket (mode 0600) and watches it and the stop eventfd; `run` waits and
 * hands each ready fd to `#dispatch`, which goes by its kind (the epoll
 * data below); after each wake-up `#expireTimers` and `#runReady` do what
 * is due without an event; `#closeEverything` releases every fd and
 * removes the socket file, whatever ended the loop. Each connection's
 * bytes, fds and bounds are its own (guard_connection.ts).
 *
 * Every accepted client gets a new connection to the compositor and a new
 * filter from the factory. Whatever goes wrong in one connection (a socket
 * error, a filter that throws or refuses) ends that connection alone,
 * with a log line saying why.
 *
 * Connection sockets are edge-triggered (see guard_connection.ts); the
 * listener and the stop eventfd are level-triggered. One wake-up reads a
 * few chunks per side; a connection with more to do goes on a ready list,
 * and epoll_wait does not sleep while that list has entries.
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
  FD_PASSING_MAX_BYTES,
  type FdApi,
  type FdPassingApi,
  openEpollApi,
  openFdApi,
  openFdPassingApi,
  openSocketApi,
  runEpollLoop,
  type SocketApi,
} from "../ffi/mod.ts";
import { GuardConnection, type GuardIo } from "./guard_connection.ts";
import type { GuardInit, GuardMessage } from "./guard_protocol.ts";
import type { FilterFactory } from "./message_filter.ts";

/** epoll data of the stop eventfd. */
const STOP_DATA = 0xffff_ffff;
/** epoll data of the listening socket. */
const LISTENER_DATA = 0xffff_fffe;
/**
 * epoll data of a connection's client socket is `id * 2`, of its
 * compositor socket `id * 2 + 1`; ids stay below this.
 */
const MAX_CONNECTION_ID = 0x7fff_0000;
/** Ready fds taken from one epoll_wait. */
const MAX_EVENTS = 64;
/** listen(2) backlog: one waypipe client, a few connections at most. */
const BACKLOG = 16;
/** How long the listener rests after accept fails (e.g. out of fds). */
const ACCEPT_PAUSE_MS = 100;
const EDGE_EVENTS = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;

/** The loop of one display guard; construct in the Worker, then `run()`. */
export class GuardLoop {
  readonly #init: GuardInit;
  readonly #post: (message: GuardMessage) => void;
  readonly #createFilter: FilterFactory;
  readonly #epoll: EpollApi;
  readonly #fds: FdApi;
  readonly #sockets: SocketApi;
  readonly #passing: FdPassingApi;
  readonly #epfd: number;
  readonly #events = new EpollEvents(MAX_EVENTS);
  readonly #io: GuardIo;
  readonly #connections = new Map<number, GuardConnection>();
  readonly #ready = new Set<number>();
  #listener?: number;
  /** Whether the socket file is ours to remove. */
  #bound = false;
  #listenerPausedUntil?: number;
  #nextId = 1;
  #stopping = false;

  /**
   * Opens libc and epoll; `post` sends messages to the main thread, and
   * `createFilter` builds each connection's filter.
   */
  constructor(
    init: GuardInit,
    post: (message: GuardMessage) => void,
    createFilter: FilterFactory,
  ) {
    this.#init = init;
    this.#post = post;
    this.#createFilter = createFilter;
    this.#epoll = openEpollApi();
    this.#fds = openFdApi();
    this.#sockets = openSocketApi();
    this.#passing = openFdPassingApi();
    this.#epfd = this.#epoll.create();
    this.#io = {
      fds: this.#fds,
      passing: this.#passing,
      buffer: new Uint8Array(FD_PASSING_MAX_BYTES),
      log: (line) => this.#post({ type: "log", line }),
    };
  }

  /** Runs until the stop eventfd is signalled or a fatal error. */
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
    this.#post({ type: "ended", error: failure });
  }

  #setUp(): void {
    this.#epoll.add(this.#epfd, this.#init.stopFd, EPOLLIN, STOP_DATA);
    const path = this.#init.listenPath;
    const fd = this.#sockets.socket("unix", { nonblocking: true });
    this.#listener = fd;
    this.#sockets.bind(fd, { family: "unix", path });
    this.#bound = true;
    // Before listen(2) nobody can connect, so the socket is never open to
    // others, whatever the umask made of its mode.
    Deno.chmodSync(path, 0o600);
    this.#sockets.listen(fd, BACKLOG);
    this.#epoll.add(this.#epfd, fd, EPOLLIN, LISTENER_DATA);
  }

  #timeout(): number {
    if (this.#ready.size > 0) return 0;
    const until = this.#listenerPausedUntil;
    if (until === undefined) return -1;
    return Math.max(0, Math.ceil(until - performance.now()));
  }

  #dispatch(data: number, mask: number): void {
    if (data === STOP_DATA) {
      this.#stopping = true;
      return;
    }
    if (data === LISTENER_DATA) return this.#acceptAll();
    const connection = this.#connections.get(data >>> 1);
    if (!connection) return;
    connection.notice((data & 1) === 1, mask);
    this.#advance(connection);
  }

  #acceptAll(): void {
    const listener = this.#listener!;
    while (true) {
      let accepted;
      try {
        accepted = this.#sockets.accept(listener, { nonblocking: true });
      } catch (error) {
        // Level-triggered: retrying at once would spin while fds are short.
        this.#epoll.modify(this.#epfd, listener, 0, LISTENER_DATA);
        this.#listenerPausedUntil = performance.now() + ACCEPT_PAUSE_MS;
        this.#post({
          type: "log",
          line: `accept paused for ${ACCEPT_PAUSE_MS} ms: ${
            errorMessage(error)
          }`,
        });
        return;
      }
      if (!accepted) return;
      this.#open(accepted.fd);
    }
  }

  /** Guards a client that connected: a compositor connection and a filter. */
  #open(clientFd: number): void {
    const id = this.#nextId;
    this.#nextId = id + 1 >= MAX_CONNECTION_ID ? 1 : id + 1;
    const refuse = (why: string, serverFd?: number) => {
      this.#fds.closeQuietly(clientFd);
      if (serverFd !== undefined) this.#fds.closeQuietly(serverFd);
      this.#post({ type: "log", line: `connection ${id} refused: ${why}` });
    };
    let serverFd: number;
    try {
      serverFd = this.#sockets.socket("unix", { nonblocking: true });
    } catch (error) {
      return refuse(errorMessage(error));
    }
    let connection: GuardConnection;
    try {
      // A UNIX connect completes at once or fails (full backlog: EAGAIN).
      const path = this.#init.compositorPath;
      this.#sockets.connect(serverFd, { family: "unix", path });
    } catch (error) {
      return refuse(
        `cannot reach the compositor at ${this.#init.compositorPath}: ${
          errorMessage(error)
        }`,
        serverFd,
      );
    }
    try {
      connection = new GuardConnection(this.#io, {
        id,
        clientFd,
        serverFd,
        filter: this.#createFilter(this.#init.config),
      });
    } catch (error) {
      return refuse(`no filter: ${errorMessage(error)}`, serverFd);
    }
    this.#connections.set(id, connection);
    this.#post({ type: "opened", id });
    try {
      this.#epoll.add(this.#epfd, clientFd, EDGE_EVENTS, id * 2);
      this.#epoll.add(this.#epfd, serverFd, EDGE_EVENTS, id * 2 + 1);
    } catch (error) {
      this.#close(connection, errorMessage(error));
      return;
    }
    connection.start();
    this.#advance(connection);
  }

  #expireTimers(): void {
    const until = this.#listenerPausedUntil;
    if (until === undefined || until > performance.now()) return;
    this.#listenerPausedUntil = undefined;
    this.#epoll.modify(this.#epfd, this.#listener!, EPOLLIN, LISTENER_DATA);
    this.#acceptAll();
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
  #advance(connection: GuardConnection): void {
    let result;
    try {
      result = connection.step();
    } catch (error) {
      result = { end: errorMessage(error) };
    }
    if (result === "more") this.#ready.add(connection.id);
    else if (result !== "waiting") this.#close(connection, result.end);
  }

  #close(connection: GuardConnection, reason: string): void {
    if (!this.#connections.delete(connection.id)) return;
    this.#ready.delete(connection.id);
    for (const fd of connection.fds()) this.#fds.closeQuietly(fd);
    this.#post({
      type: "log",
      line: `connection ${connection.id} closed: ${reason}`,
    });
    this.#post({
      type: "closed",
      end: { id: connection.id, reason, ...connection.stats() },
    });
  }

  #removeSocketFile(): void {
    try {
      Deno.removeSync(this.#init.listenPath);
    } catch {
      // Already gone.
    }
  }

  #closeEverything(): void {
    try {
      for (const connection of [...this.#connections.values()]) {
        this.#close(connection, "guard stopped");
      }
    } finally {
      if (this.#listener !== undefined) this.#fds.closeQuietly(this.#listener);
      if (this.#bound) this.#removeSocketFile();
      this.#fds.closeQuietly(this.#epfd);
      this.#epoll[Symbol.dispose]();
      this.#fds[Symbol.dispose]();
      this.#sockets[Symbol.dispose]();
      this.#passing[Symbol.dispose]();
    }
  }
}
