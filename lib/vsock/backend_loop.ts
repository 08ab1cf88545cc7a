/**
 * The vsock back-end's event loop: one thread, one epoll fd, and every fd
 * of one VM's device — the vhost-user socket QEMU connects to, QEMU's kick
 * eventfds, the host ends of connections — with every call synchronous so
 * errno is read on the thread that failed (see lib/ffi/library.ts). It
 * runs in a Worker (see backend_worker.ts) and sleeps in epoll_wait
 * whenever nothing is ready.
 *
 * Pieces, as in lib/relay/relay_loop.ts: `#setUp` watches the stop eventfd
 * and the listeners; `run` waits and hands each ready fd to `#dispatch`,
 * which goes by its kind (the epoll data below); after each wake-up
 * `#pumpQueues` moves packets between the virtqueues and the mux;
 * `#closeEverything` releases every fd, whatever ended the loop.
 *
 * Level-triggered throughout: a vhost-user message or a kick is handled
 * once per wake-up, and each host socket asks for exactly the events its
 * connection can use now (see host_socket.ts), so nothing spins. A pump
 * does a bounded share of the guest's work (see vsock_queues.ts); when it
 * leaves some, the next epoll_wait does not sleep, so other fds are served
 * in between.
 *
 * Events for the main thread go through an {@linkcode EventLimiter}: the
 * guest decides how many refusals and drops there are, not how many
 * messages the main thread must take.
 *
 * The loop ends when the main thread signals the stop eventfd, when QEMU
 * disconnects (the VM is gone), when QEMU's messages lose their framing
 * (a wrong version), or on an error it cannot recover from. A message the
 * device cannot accept is refused and answered (see vhost_user_device.ts);
 * a guest that breaks its rings only loses the device, and its
 * connections, until QEMU sets the rings up again.
 *
 * @module
 */

import {
  type EpollApi,
  EpollEvents,
  EPOLLIN,
  type EventFdApi,
  type FdApi,
  type FdPassingApi,
  type Libc,
  MAP_SHARED,
  openEpollApi,
  openEventFdApi,
  openFdApi,
  openFdPassingApi,
  openLibc,
  openSocketApi,
  PROT_READ,
  PROT_WRITE,
  runEpollLoop,
  type SocketApi,
} from "../ffi/mod.ts";
import type {
  BackendEvent,
  LoopInit,
  LoopMessage,
} from "./backend_protocol.ts";
import { HostSocket, type HostSocketLoop } from "./host_socket.ts";
import { EventLimiter } from "./event_limiter.ts";
import {
  VhostUserVsockDevice,
  VSOCK_QUEUE_COUNT,
  VSOCK_RX_QUEUE,
  VSOCK_TX_QUEUE,
} from "./vhost_user_device.ts";
import { receiveMessage } from "./vhost_user_reader.ts";
import type { VsockConnection } from "./vsock_connection.ts";
import { VsockMux } from "./vsock_mux.ts";
import { QueuePump } from "./vsock_queues.ts";

/** epoll data of the stop eventfd. */
const STOP_DATA = 0;
/** epoll data of the socket QEMU connects to. */
const FRONT_END_LISTENER_DATA = 1;
/** epoll data of QEMU's vhost-user connection. */
const FRONT_END_DATA = 2;
/** epoll data of the `connectPath` listener. */
const CONNECT_LISTENER_DATA = 3;
/** epoll data of queue i's kick eventfd is this plus i. */
const KICK_DATA = 10;
/** epoll data of host sockets count up from here. */
const HOST_SOCKET_DATA = 100;
/** Ready fds taken from one epoll_wait. */
const MAX_EVENTS = 64;
/** Events posted to the main thread per {@linkcode EVENT_WINDOW_MS}. */
const EVENT_LIMIT = 100;
/** The window of {@linkcode EVENT_LIMIT}. */
const EVENT_WINDOW_MS = 1000;
/** The loop of one back-end; construct in the Worker, then `run()`. */
export class BackendLoop {
  readonly #post: (message: LoopMessage) => void;
  readonly #init: LoopInit;
  readonly #epoll: EpollApi;
  readonly #fds: FdApi;
  readonly #sockets: SocketApi;
  readonly #eventFds: EventFdApi;
  readonly #passing: FdPassingApi;
  readonly #libc: Libc;
  readonly #epfd: number;
  readonly #events = new EpollEvents(MAX_EVENTS);
  readonly #mux: VsockMux;
  readonly #pump: QueuePump;
  readonly #limiter = new EventLimiter<BackendEvent>({
    limit: EVENT_LIMIT,
    windowMs: EVENT_WINDOW_MS,
  });
  readonly #hostSockets = new Map<number, HostSocket>();
  readonly #hostSocketLoop: HostSocketLoop;
  readonly #kicks: (number | undefined)[] = new Array(VSOCK_QUEUE_COUNT);
  #nextHostSocketData = HOST_SOCKET_DATA;
  #listener?: number;
  #connectListener?: number;
  #frontEnd?: number;
  #device?: VhostUserVsockDevice;
  /** The last pump left work: the next wait must not sleep. */
  #more = false;
  /** Why the loop stops, once it does. */
  #stopping?: string;

  /** Opens libc and epoll; `post` sends messages to the main thread. */
  constructor(init: LoopInit, post: (message: LoopMessage) => void) {
    this.#init = init;
    this.#post = post;
    this.#epoll = openEpollApi();
    this.#fds = openFdApi();
    this.#sockets = openSocketApi();
    this.#eventFds = openEventFdApi();
    this.#passing = openFdPassingApi();
    this.#libc = openLibc();
    this.#epfd = this.#epoll.create();
    this.#hostSocketLoop = {
      fds: this.#fds,
      sockets: this.#sockets,
      epoll: this.#epoll,
      epfd: this.#epfd,
      connectToGuest: (port, socket) => this.#mux.connectToGuest(port, socket),
      report: (event) => this.#report(event),
      released: (socket) => this.#hostSockets.delete(socket.data),
    };
    this.#mux = new VsockMux({
      guestCid: init.guestCid,
      services: new Map(init.services),
      connect: (path, connection) => this.#connectService(path, connection),
      onEvent: (event) => this.#report(event),
    });
    this.#pump = new QueuePump(this.#mux, (event) => this.#report(event));
  }

  /** Runs until stopped, QEMU disconnects, or a fatal error. */
  run(): void {
    const failure = runEpollLoop({
      epoll: this.#epoll,
      epfd: this.#epfd,
      events: this.#events,
      setUp: () => {
        this.#setUp();
        this.#post({ type: "ready" });
      },
      stopping: () => this.#stopping !== undefined,
      timeout: () =>
        Math.ceil(this.#more ? 0 : this.#limiter.flushDueIn() ?? -1),
      dispatch: (data, mask) => this.#dispatch(data, mask),
      afterWake: () => {
        this.#pumpQueues();
        const summary = this.#limiter.flush();
        if (summary) this.#post({ type: "event", event: summary });
      },
      closeEverything: () => this.#closeEverything(),
    });
    const held = this.#limiter.flush(true);
    if (held) this.#post({ type: "event", event: held });
    this.#post(
      failure === undefined
        ? { type: "ended", reason: this.#stopping ?? "stopped" }
        : { type: "ended", reason: "failed", error: failure },
    );
  }

  #report(event: BackendEvent): void {
    for (const admitted of this.#limiter.admit(event)) {
      this.#post({ type: "event", event: admitted });
    }
  }

  #setUp(): void {
    const { stopFd, socketPath, connectPath } = this.#init;
    this.#epoll.add(this.#epfd, stopFd, EPOLLIN, STOP_DATA);
    this.#listener = this.#sockets.socket("unix", { nonblocking: true });
    this.#listen(this.#listener, socketPath, 1, FRONT_END_LISTENER_DATA);
    if (connectPath) {
      this.#connectListener = this.#sockets.socket("unix", {
        nonblocking: true,
      });
      this.#listen(
        this.#connectListener,
        connectPath,
        16,
        CONNECT_LISTENER_DATA,
      );
    }
  }

  #listen(fd: number, path: string, backlog: number, data: number): void {
    this.#sockets.bind(fd, { family: "unix", path });
    this.#sockets.listen(fd, backlog);
    this.#epoll.add(this.#epfd, fd, EPOLLIN, data);
  }

  #dispatch(data: number, mask: number): void {
    if (data === STOP_DATA) {
      this.#stopping = "stopped";
      return;
    }
    if (data === FRONT_END_LISTENER_DATA) return this.#acceptFrontEnd();
    if (data === FRONT_END_DATA) return this.#readFrontEnd();
    if (data === CONNECT_LISTENER_DATA) return this.#acceptRequest();
    if (data >= KICK_DATA && data < KICK_DATA + VSOCK_QUEUE_COUNT) {
      const kick = this.#kicks[data - KICK_DATA];
      if (kick !== undefined) this.#eventFds.drain(kick);
      return;
    }
    this.#hostSockets.get(data)?.ready(mask);
  }

  /** QEMU connects: it becomes this VM's device, and nobody else can. */
  #acceptFrontEnd(): void {
    // Blocking: a vhost-user message is read whole (MSG_WAITALL).
    const accepted = this.#sockets.accept(this.#listener!);
    if (!accepted) return;
    if (this.#device) {
      // One VM, one QEMU: a second front-end is refused.
      this.#fds.close(accepted.fd);
      return;
    }
    this.#startDevice(accepted.fd);
    this.#epoll.remove(this.#epfd, this.#listener!);
    this.#fds.close(this.#listener!);
    this.#listener = undefined;
    this.#libc.unlink(this.#init.socketPath);
    this.#report({ kind: "qemu-connected" });
  }

  #startDevice(fd: number): void {
    this.#frontEnd = fd;
    this.#epoll.add(this.#epfd, fd, EPOLLIN, FRONT_END_DATA);
    const libc = this.#libc;
    const device = new VhostUserVsockDevice(this.#init.guestCid, {
      map: (mapFd, length) =>
        libc.mmap(Number(length), PROT_READ | PROT_WRITE, MAP_SHARED, mapFd, 0),
      unmap: (address, length) => libc.munmap(address, Number(length)),
      close: (closing) => this.#fds.close(closing),
      raw: {
        read: (address, into) => libc.readMemory(address, 0, into),
        write: (address, bytes) => libc.writeMemory(address, 0, bytes),
      },
    });
    device.onKick = (index, kick) => {
      const old = this.#kicks[index];
      if (old !== undefined) this.#epoll.remove(this.#epfd, old);
      this.#kicks[index] = kick;
      if (kick !== undefined) {
        this.#epoll.add(this.#epfd, kick, EPOLLIN, KICK_DATA + index);
        // QEMU sets the rings up again (the guest reset the device).
        this.#pump.restart();
      }
    };
    device.onRefused = (reason) =>
      this.#report({ kind: "device-error", reason });
    this.#device = device;
  }

  /** Answers QEMU's next message; when QEMU is gone, so is the loop. */
  #readFrontEnd(): void {
    const fd = this.#frontEnd!;
    const received = receiveMessage(
      {
        passing: this.#passing,
        close: (unwanted) => this.#fds.close(unwanted),
      },
      fd,
    );
    if (!received) {
      this.#endDevice();
      this.#stopping = "QEMU disconnected";
      return;
    }
    const device = this.#device!;
    const reply = received.kind === "message"
      ? device.handle(received.message)
      : device.refuse(received.header, received.reason);
    if (reply) this.#passing.send(fd, reply);
  }

  #endDevice(): void {
    this.#mux.closeAll();
    this.#device?.close();
    this.#device = undefined;
    if (this.#frontEnd !== undefined) {
      this.#epoll.remove(this.#epfd, this.#frontEnd);
      this.#fds.close(this.#frontEnd);
      this.#frontEnd = undefined;
    }
  }

  /** A local program asks for a host → guest connection. */
  #acceptRequest(): void {
    const accepted = this.#sockets.accept(this.#connectListener!, {
      nonblocking: true,
    });
    if (!accepted) return;
    this.#hostSocket(accepted.fd).awaitRequest();
  }

  /** Opens the host end of a guest → host connection to `path`. */
  #connectService(path: string, connection: VsockConnection): HostSocket {
    const fd = this.#sockets.socket("unix", { nonblocking: true });
    try {
      // A UNIX connect completes at once or fails (full backlog: EAGAIN).
      this.#sockets.connect(fd, { family: "unix", path });
    } catch (error) {
      this.#fds.closeQuietly(fd);
      throw error;
    }
    return this.#hostSocket(fd, connection);
  }

  #hostSocket(fd: number, connection?: VsockConnection): HostSocket {
    const data = this.#nextHostSocketData++;
    const socket = new HostSocket(this.#hostSocketLoop, fd, data, connection);
    this.#hostSockets.set(data, socket);
    return socket;
  }

  /** Moves packets: the guest's tx queue into the mux, the mux's out to rx. */
  #pumpQueues(): void {
    this.#more = false;
    const device = this.#device;
    const memory = device?.memory;
    if (!device || !memory) return;
    const result = this.#pump.pump(
      memory,
      device.queue(VSOCK_TX_QUEUE),
      device.queue(VSOCK_RX_QUEUE),
    );
    if (result.txUsed) this.#notify(device, VSOCK_TX_QUEUE);
    if (result.rxUsed) this.#notify(device, VSOCK_RX_QUEUE);
    this.#more = result.more;
  }

  /** Tells the guest that queue `index` has used buffers. */
  #notify(device: VhostUserVsockDevice, index: number): void {
    const call = device.callFd(index);
    if (call !== undefined) this.#eventFds.signal(call);
  }

  #unlinkQuietly(path: string): void {
    try {
      this.#libc.unlink(path);
    } catch {
      // Already gone.
    }
  }

  #closeEverything(): void {
    try {
      this.#endDevice();
      for (const socket of [...this.#hostSockets.values()]) socket.close();
    } finally {
      for (const fd of [this.#listener, this.#connectListener]) {
        if (fd !== undefined) this.#fds.closeQuietly(fd);
      }
      this.#fds.closeQuietly(this.#epfd);
      // QEMU never came: nobody removed the socket file.
      if (this.#listener !== undefined) {
        this.#unlinkQuietly(this.#init.socketPath);
      }
      if (this.#init.connectPath) this.#unlinkQuietly(this.#init.connectPath);
      this.#epoll[Symbol.dispose]();
      this.#fds[Symbol.dispose]();
      this.#sockets[Symbol.dispose]();
      this.#eventFds[Symbol.dispose]();
      this.#passing[Symbol.dispose]();
      this.#libc[Symbol.dispose]();
    }
  }
}
