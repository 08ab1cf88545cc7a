/// <reference lib="deno.worker" />
/**
 * The vhost-user-vsock back-end's event loop, in a Worker of its own: it
 * owns every fd (the vhost-user socket, QEMU's kick and call eventfds, the
 * host ends of connections) and sleeps in epoll_wait between events, so
 * every libc call and its errno stay on this one thread.
 *
 * Protocol with the main thread: it posts a {@linkcode WorkerConfig}; the
 * worker answers `ready` once its sockets listen (or `error`), then
 * `event`s, and `ended` when it is done (stop eventfd signalled, QEMU gone,
 * or a fatal error), after releasing everything.
 *
 * @module
 */

import {
  EPOLLERR,
  EpollEvents,
  EPOLLHUP,
  EPOLLIN,
  EPOLLOUT,
  MAP_SHARED,
  openEpollApi,
  openEventFdApi,
  openFdApi,
  openFdPassingApi,
  openLibc,
  openSocketApi,
  PROT_READ,
  PROT_WRITE,
  SHUT_WR,
} from "../ffi/mod.ts";
import { decodeHeader, VHOST_USER_HEADER_SIZE } from "./vhost_user_message.ts";
import {
  VhostUserVsockDevice,
  VSOCK_QUEUE_COUNT,
  VSOCK_RX_QUEUE,
  VSOCK_TX_QUEUE,
} from "./vhost_user_device.ts";
import {
  type HostStream,
  type MuxEvent,
  type VsockConnection,
  VsockMux,
} from "./vsock_mux.ts";
import { drainTxQueue, fillRxQueue } from "./vsock_queues.ts";

/** What the main thread tells the worker. */
export interface WorkerConfig {
  /** Path to listen on for QEMU's vhost-user connection. */
  socketPath: string;
  /** The guest's CID. */
  guestCid: number;
  /** Service port → UNIX socket path, as pairs. */
  services: [number, string][];
  /** Path to listen on for host → guest connection requests, if any. */
  connectPath?: string;
  /** An eventfd the main thread signals to stop the loop. */
  stopFd: number;
}

/** What the worker tells the main thread. */
export type WorkerMessage =
  | { type: "ready" }
  | { type: "event"; event: BackendEvent }
  | { type: "ended"; reason: string; error?: string };

/** A line for the log. */
export type BackendEvent =
  | MuxEvent
  | { kind: "qemu-connected" }
  | { kind: "device-error"; reason: string };

const TAG_STOP = 0;
const TAG_LISTENER = 1;
const TAG_CONTROL = 2;
const TAG_CONNECT_LISTENER = 3;
const TAG_KICK = 10;
const TAG_STREAM = 100;
const READ_CHUNK = 64 * 1024;
/** A host → guest request line is `CONNECT <port>\n`. */
const MAX_REQUEST_LINE = 32;

function post(message: WorkerMessage): void {
  self.postMessage(message);
}

function run(config: WorkerConfig): string {
  using sockets = openSocketApi();
  using fdApi = openFdApi();
  using epoll = openEpollApi();
  using events = openEventFdApi();
  using passing = openFdPassingApi();
  using libc = openLibc();
  const owned = new Set<number>();
  const epfd = epoll.create();
  const closeFd = (fd: number) => {
    owned.delete(fd);
    fdApi.close(fd);
  };
  const streams = new Map<number, UnixStream>();
  let nextSlot = TAG_STREAM;
  let control: number | undefined;
  let listener: number | undefined;
  let connectListener: number | undefined;
  let device: VhostUserVsockDevice | undefined;
  let broken = false;
  const report = (event: BackendEvent) => post({ type: "event", event });

  const mux = new VsockMux({
    guestCid: config.guestCid,
    services: new Map(config.services),
    connect(path, connection) {
      const fd = sockets.socket("unix", { nonblocking: true });
      owned.add(fd);
      try {
        // A UNIX connect completes at once or fails (full backlog: EAGAIN).
        sockets.connect(fd, { family: "unix", path });
      } catch (error) {
        closeFd(fd);
        throw error;
      }
      return new UnixStream(fd, connection);
    },
    onEvent: report,
  });

  /** A non-blocking UNIX socket as a connection's host end. */
  class UnixStream implements HostStream {
    readonly fd: number;
    readonly slot: number;
    connection?: VsockConnection;
    #mask = 0;
    #registered = false;
    #closed = false;
    #hungUp = false;
    #handshake?: Uint8Array;
    held: Uint8Array[] = [];

    constructor(fd: number, connection?: VsockConnection) {
      this.fd = fd;
      this.connection = connection;
      this.slot = nextSlot++;
      streams.set(this.slot, this);
    }

    /** Waits for a `CONNECT <port>\n` line before anything else. */
    awaitRequest(): void {
      this.#handshake = new Uint8Array(0);
      this.interest(true, false);
    }

    write(bytes: Uint8Array): number | undefined {
      return fdApi.write(this.fd, bytes);
    }

    shutdownWrite(): void {
      sockets.shutdown(this.fd, SHUT_WR);
    }

    close(): void {
      if (this.#closed) return;
      this.#closed = true;
      streams.delete(this.slot);
      if (this.#registered) epoll.remove(epfd, this.fd);
      closeFd(this.fd);
    }

    interest(read: boolean, write: boolean): void {
      if (this.#closed) return;
      if (read) this.#hungUp = false;
      const mask = (read && !this.#hungUp ? EPOLLIN : 0) |
        (write ? EPOLLOUT : 0);
      // A hung-up socket reports HUP whatever the mask: unwatched until
      // someone wants something from it again.
      const watch = mask !== 0 || !this.#hungUp;
      if (watch && !this.#registered) {
        epoll.add(epfd, this.fd, mask, this.slot);
        this.#registered = true;
      } else if (!watch && this.#registered) {
        epoll.remove(epfd, this.fd);
        this.#registered = false;
      } else if (watch && mask !== this.#mask) {
        epoll.modify(epfd, this.fd, mask, this.slot);
      }
      this.#mask = mask;
    }

    established(): void {
      const ok = new TextEncoder().encode(
        `OK ${this.connection?.port ?? 0}\n`,
      );
      if (fdApi.write(this.fd, ok) !== ok.length) {
        this.connection?.hostFailed();
        return;
      }
      for (const bytes of this.held.splice(0)) this.connection?.hostData(bytes);
    }

    ready(mask: number): void {
      if (this.#handshake) return this.#readRequest();
      const connection = this.connection!;
      if (mask & EPOLLERR) return connection.hostFailed();
      if (mask & EPOLLOUT) connection.hostWritable();
      if (this.#closed) return;
      if (mask & EPOLLIN || (mask & EPOLLHUP && this.#mask & EPOLLIN)) {
        const buffer = new Uint8Array(READ_CHUNK);
        let count: number | undefined;
        try {
          count = fdApi.read(this.fd, buffer);
        } catch {
          return connection.hostFailed();
        }
        if (count === 0) connection.hostEnded();
        else if (count !== undefined) {
          connection.hostData(buffer.subarray(0, count));
        }
      } else if (mask & EPOLLHUP) {
        this.#hungUp = true;
        this.interest(false, (this.#mask & EPOLLOUT) !== 0);
      }
    }

    #readRequest(): void {
      const buffer = new Uint8Array(MAX_REQUEST_LINE);
      let count: number | undefined;
      try {
        count = fdApi.read(this.fd, buffer);
      } catch {
        return this.close();
      }
      if (count === undefined) return;
      if (count === 0) return this.close();
      const got = new Uint8Array(this.#handshake!.length + count);
      got.set(this.#handshake!);
      got.set(buffer.subarray(0, count), this.#handshake!.length);
      const newline = got.indexOf(0x0a);
      if (newline === -1) {
        if (got.length >= MAX_REQUEST_LINE) return this.close();
        this.#handshake = got;
        return;
      }
      const line = new TextDecoder().decode(got.subarray(0, newline));
      const match = /^CONNECT (\d{1,10})$/.exec(line.trim());
      const port = match ? Number(match[1]) : NaN;
      if (!(port <= 0xffff_ffff)) {
        report({
          kind: "refused",
          port: 0,
          guestPort: 0,
          reason: `bad host → guest request ${JSON.stringify(line)}`,
        });
        return this.close();
      }
      this.#handshake = undefined;
      if (newline + 1 < got.length) this.held.push(got.slice(newline + 1));
      try {
        this.connection = mux.connectToGuest(port, this);
      } catch {
        this.close();
      }
    }
  }

  const kicks: (number | undefined)[] = new Array(VSOCK_QUEUE_COUNT);

  const endDevice = () => {
    mux.closeAll();
    device?.close();
    device = undefined;
    if (control !== undefined) {
      epoll.remove(epfd, control);
      closeFd(control);
      control = undefined;
    }
  };

  const startDevice = (fd: number) => {
    control = fd;
    owned.add(fd);
    epoll.add(epfd, fd, EPOLLIN, TAG_CONTROL);
    device = new VhostUserVsockDevice(config.guestCid, {
      map(mapFd, length) {
        return libc.mmap(
          Number(length),
          PROT_READ | PROT_WRITE,
          MAP_SHARED,
          mapFd,
          0,
        );
      },
      unmap: (address, length) => libc.munmap(address, Number(length)),
      close: (closing) => fdApi.close(closing),
      raw: {
        read: (address, into) => libc.readMemory(address, 0, into),
        write: (address, bytes) => libc.writeMemory(address, 0, bytes),
      },
    });
    device.onKick = (index, kick) => {
      const old = kicks[index];
      if (old !== undefined) epoll.remove(epfd, old);
      kicks[index] = kick;
      if (kick !== undefined) epoll.add(epfd, kick, EPOLLIN, TAG_KICK + index);
    };
  };

  /** Reads and answers one vhost-user message; false when QEMU is gone. */
  const handleControl = (fd: number): boolean => {
    const headerBytes = new Uint8Array(VHOST_USER_HEADER_SIZE);
    const first = passing.receive(fd, headerBytes, { waitAll: true });
    if (!first || first.length < VHOST_USER_HEADER_SIZE) {
      for (const received of first?.fds ?? []) fdApi.close(received);
      return false;
    }
    const fds = [...first.fds];
    const header = decodeHeader(headerBytes);
    const payload = new Uint8Array(header.size);
    if (header.size > 0) {
      const rest = passing.receive(fd, payload, { waitAll: true });
      fds.push(...rest?.fds ?? []);
      if (!rest || rest.length < header.size) {
        for (const received of fds) fdApi.close(received);
        return false;
      }
    }
    const reply = device!.handle({ header, payload, fds });
    if (reply) passing.send(fd, reply);
    return true;
  };

  const pump = () => {
    if (!device || broken) return;
    const memory = device.memory;
    if (!memory) return;
    try {
      const tx = device.queue(VSOCK_TX_QUEUE);
      if (
        tx &&
        drainTxQueue(
          memory,
          tx,
          mux,
          (reason) => report({ kind: "dropped", reason }),
        )
      ) {
        const call = device.callFd(VSOCK_TX_QUEUE);
        if (call !== undefined) events.signal(call);
      }
      const rx = device.queue(VSOCK_RX_QUEUE);
      if (rx && fillRxQueue(memory, rx, mux)) {
        const call = device.callFd(VSOCK_RX_QUEUE);
        if (call !== undefined) events.signal(call);
      }
    } catch (error) {
      // A guest that breaks its rings loses the device, and its
      // connections, until QEMU resets it.
      broken = true;
      report({
        kind: "device-error",
        reason: error instanceof Error ? error.message : String(error),
      });
      mux.closeAll();
    }
  };

  try {
    epoll.add(epfd, config.stopFd, EPOLLIN, TAG_STOP);
    listener = sockets.socket("unix", { nonblocking: true });
    owned.add(listener);
    sockets.bind(listener, { family: "unix", path: config.socketPath });
    sockets.listen(listener, 1);
    epoll.add(epfd, listener, EPOLLIN, TAG_LISTENER);
    if (config.connectPath) {
      connectListener = sockets.socket("unix", { nonblocking: true });
      owned.add(connectListener);
      sockets.bind(connectListener, {
        family: "unix",
        path: config.connectPath,
      });
      sockets.listen(connectListener, 16);
      epoll.add(epfd, connectListener, EPOLLIN, TAG_CONNECT_LISTENER);
    }
    post({ type: "ready" });

    const ready = new EpollEvents(64);
    while (true) {
      const count = epoll.wait(epfd, ready, -1);
      for (let i = 0; i < count; i++) {
        const tag = ready.data(i);
        const mask = ready.events(i);
        if (tag === TAG_STOP) return "stopped";
        if (tag === TAG_LISTENER) {
          const accepted = sockets.accept(listener!);
          if (!accepted) continue;
          if (device) {
            // One VM, one QEMU: a second front-end is refused.
            fdApi.close(accepted.fd);
            continue;
          }
          startDevice(accepted.fd);
          // Nobody else may become this VM: stop listening.
          epoll.remove(epfd, listener!);
          closeFd(listener!);
          listener = undefined;
          libc.unlink(config.socketPath);
          report({ kind: "qemu-connected" });
        } else if (tag === TAG_CONTROL) {
          if (!handleControl(control!)) {
            endDevice();
            return "QEMU disconnected";
          }
        } else if (tag === TAG_CONNECT_LISTENER) {
          const accepted = sockets.accept(connectListener!, {
            nonblocking: true,
          });
          if (!accepted) continue;
          owned.add(accepted.fd);
          new UnixStream(accepted.fd).awaitRequest();
        } else if (tag >= TAG_KICK && tag < TAG_KICK + VSOCK_QUEUE_COUNT) {
          const kick = kicks[tag - TAG_KICK];
          if (kick !== undefined) events.drain(kick);
        } else {
          streams.get(tag)?.ready(mask);
        }
      }
      pump();
    }
  } finally {
    endDevice();
    for (const stream of [...streams.values()]) stream.close();
    for (const fd of owned) fdApi.close(fd);
    fdApi.close(epfd);
    if (listener !== undefined) {
      try {
        libc.unlink(config.socketPath);
      } catch {
        // Already gone.
      }
    }
    if (config.connectPath) {
      try {
        libc.unlink(config.connectPath);
      } catch {
        // Already gone.
      }
    }
  }
}

self.onmessage = (message: MessageEvent<WorkerConfig>) => {
  self.onmessage = null;
  let ended: WorkerMessage;
  try {
    ended = { type: "ended", reason: run(message.data) };
  } catch (error) {
    ended = {
      type: "ended",
      reason: "failed",
      error: error instanceof Error ? error.message : String(error),
    };
  }
  post(ended);
  self.close();
};
