/**
 * The host end of one vsock connection: a non-blocking UNIX socket the
 * back-end's loop watches in epoll (level-triggered). For a guest → host
 * connection it is the socket the loop opened to the service; for a
 * host → guest one it is a socket accepted on `connectPath`, which first
 * sends its request line (see connect_request.ts).
 *
 * @module
 */

import {
  type EpollApi,
  EPOLLERR,
  EPOLLHUP,
  EPOLLIN,
  EPOLLOUT,
  type FdApi,
  SHUT_WR,
  type SocketApi,
} from "../ffi/mod.ts";
import type { BackendEvent } from "./backend_protocol.ts";
import {
  encodeConnectAnswer,
  MAX_CONNECT_LINE,
  parseConnectRequest,
} from "./connect_request.ts";
import type { HostStream, VsockConnection } from "./vsock_connection.ts";

/** Bytes read from a host end at a time. */
const READ_CHUNK = 64 * 1024;

/** What a host socket needs from the loop that owns its fd. */
export interface HostSocketLoop {
  /** Plain fd calls. */
  readonly fds: Pick<FdApi, "read" | "write" | "close">;
  /** Socket calls. */
  readonly sockets: Pick<SocketApi, "shutdown">;
  /** epoll calls, on {@linkcode HostSocketLoop.epfd}. */
  readonly epoll: Pick<EpollApi, "add" | "modify" | "remove">;
  /** The loop's epoll fd. */
  readonly epfd: number;
  /** Opens a host → guest connection for a request `socket` read. */
  connectToGuest(port: number, socket: HostSocket): VsockConnection;
  /** Log sink, for refused requests. */
  report(event: BackendEvent): void;
  /** `socket` closed its fd: route nothing more to it. */
  released(socket: HostSocket): void;
}

/** A non-blocking UNIX socket as a connection's host end. */
export class HostSocket implements HostStream {
  /** The socket. */
  readonly fd: number;
  /** Its epoll data. */
  readonly data: number;
  readonly #loop: HostSocketLoop;
  #connection?: VsockConnection;
  /** The request line so far, while waiting for it. */
  #request?: Uint8Array;
  /** Bytes after the request line, for the guest once it accepts. */
  #early?: Uint8Array;
  #mask = 0;
  #registered = false;
  #closed = false;
  #hungUp = false;

  /**
   * Socket `fd`, watched with epoll data `data`, carrying `connection`
   * (none yet for a socket that sends a request first).
   */
  constructor(
    loop: HostSocketLoop,
    fd: number,
    data: number,
    connection?: VsockConnection,
  ) {
    this.#loop = loop;
    this.fd = fd;
    this.data = data;
    this.#connection = connection;
  }

  /** Waits for a `CONNECT <port>\n` line before anything else. */
  awaitRequest(): void {
    this.#request = new Uint8Array(0);
    this.interest(true, false);
  }

  /** {@inheritDoc HostStream.write} */
  write(bytes: Uint8Array): number | undefined {
    return this.#loop.fds.write(this.fd, bytes);
  }

  /** {@inheritDoc HostStream.shutdownWrite} */
  shutdownWrite(): void {
    this.#loop.sockets.shutdown(this.fd, SHUT_WR);
  }

  /** {@inheritDoc HostStream.close} */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#loop.released(this);
    if (this.#registered) this.#loop.epoll.remove(this.#loop.epfd, this.fd);
    this.#loop.fds.close(this.fd);
  }

  /** {@inheritDoc HostStream.interest} */
  interest(read: boolean, write: boolean): void {
    if (this.#closed) return;
    if (read) this.#hungUp = false;
    const mask = (read && !this.#hungUp ? EPOLLIN : 0) |
      (write ? EPOLLOUT : 0);
    // A hung-up socket reports HUP whatever the mask: unwatched until
    // someone wants something from it again.
    const watch = mask !== 0 || !this.#hungUp;
    const { epoll, epfd } = this.#loop;
    if (watch && !this.#registered) {
      epoll.add(epfd, this.fd, mask, this.data);
      this.#registered = true;
    } else if (!watch && this.#registered) {
      epoll.remove(epfd, this.fd);
      this.#registered = false;
    } else if (watch && mask !== this.#mask) {
      epoll.modify(epfd, this.fd, mask, this.data);
    }
    this.#mask = mask;
  }

  /** {@inheritDoc HostStream.established} */
  established(): void {
    const connection = this.#connection!;
    const answer = encodeConnectAnswer(connection.port);
    let written: number | undefined;
    try {
      written = this.#loop.fds.write(this.fd, answer);
    } catch {
      // The requester left before the guest answered.
    }
    if (written !== answer.length) return connection.hostFailed();
    const early = this.#early;
    this.#early = undefined;
    if (early) connection.hostData(early);
  }

  /** epoll reported `mask` for this socket. */
  ready(mask: number): void {
    if (this.#request) return this.#readRequest();
    const connection = this.#connection!;
    if (mask & EPOLLERR) return connection.hostFailed();
    if (mask & EPOLLOUT) connection.hostWritable();
    if (this.#closed) return;
    if (mask & EPOLLIN || (mask & EPOLLHUP && this.#mask & EPOLLIN)) {
      const buffer = new Uint8Array(READ_CHUNK);
      let count: number | undefined;
      try {
        count = this.#loop.fds.read(this.fd, buffer);
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
    const sofar = this.#request!;
    const buffer = new Uint8Array(MAX_CONNECT_LINE - sofar.length);
    let count: number | undefined;
    try {
      count = this.#loop.fds.read(this.fd, buffer);
    } catch {
      return this.close();
    }
    if (count === undefined) return;
    if (count === 0) return this.close();
    const got = new Uint8Array(sofar.length + count);
    got.set(sofar);
    got.set(buffer.subarray(0, count), sofar.length);
    const request = parseConnectRequest(got);
    if (request.kind === "partial") {
      this.#request = got;
      return;
    }
    if (request.kind === "refused") {
      this.#loop.report({
        kind: "refused",
        port: 0,
        guestPort: 0,
        reason: request.reason,
      });
      return this.close();
    }
    this.#request = undefined;
    if (request.rest.length > 0) this.#early = request.rest;
    try {
      this.#connection = this.#loop.connectToGuest(request.port, this);
    } catch {
      this.close();
    }
  }
}
