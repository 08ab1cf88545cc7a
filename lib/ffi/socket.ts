/**
 * Stream sockets through libc for the two families qubesify relays:
 * AF_VSOCK (guests and host) and AF_UNIX (host services). Deno cannot open
 * a vsock socket, and cannot wrap a raw fd as a `Deno.Conn`, so the relay
 * works on fds with these calls and lib/ffi/splice.ts.
 *
 * Synchronous calls only: errno is per thread (see lib/ffi/library.ts).
 *
 * @module
 */

import { ERRNO, LibcError, openLibcSymbols } from "./library.ts";
import {
  AF_UNIX,
  AF_VSOCK,
  decodeSocketAddress,
  encodeSocketAddress,
  formatSocketAddress,
  SOCKADDR_MAX_SIZE,
  type SocketAddress,
} from "./sockaddr.ts";

/** Stream socket type. */
export const SOCK_STREAM = 1;
/** socket/accept4 flag: non-blocking fd. */
export const SOCK_NONBLOCK = 0o4000;
/** socket/accept4 flag: close on exec. */
export const SOCK_CLOEXEC = 0o2000000;
/** shutdown: no more receptions. */
export const SHUT_RD = 0;
/** shutdown: no more transmissions; the peer reads end of file. */
export const SHUT_WR = 1;
/** shutdown: both. */
export const SHUT_RDWR = 2;
/** Socket option level of the socket itself. */
export const SOL_SOCKET = 1;
/** Socket option: the pending error (of a non-blocking connect). */
export const SO_ERROR = 4;

const SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  listen: { parameters: ["i32", "i32"], result: "i32" },
  accept4: { parameters: ["i32", "buffer", "buffer", "i32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  getpeername: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  getsockopt: {
    parameters: ["i32", "i32", "i32", "buffer", "buffer"],
    result: "i32",
  },
  shutdown: { parameters: ["i32", "i32"], result: "i32" },
} as const;

/** Options for a new socket. */
export interface SocketOptions {
  /** Make the fd non-blocking (an event loop's sockets must be). */
  nonblocking?: boolean;
}

/** A connection taken from a listening socket. */
export interface Accepted {
  /** The connection's fd (close-on-exec, non-blocking when asked). */
  readonly fd: number;
  /** The peer: for vsock, the CID the kernel saw. */
  readonly peer: SocketAddress;
}

/** Socket calls, opened; dispose when done. */
export interface SocketApi extends Disposable {
  /** A new close-on-exec stream socket of `family`. */
  socket(family: "unix" | "vsock", options?: SocketOptions): number;
  /** bind(2). */
  bind(fd: number, address: SocketAddress): void;
  /** listen(2). */
  listen(fd: number, backlog: number): void;
  /**
   * accept4(2): the connection, or undefined when none is waiting on a
   * non-blocking listener (EAGAIN). Retries on EINTR and ECONNABORTED.
   */
  accept(fd: number, options?: SocketOptions): Accepted | undefined;
  /**
   * connect(2): `"connected"`, or `"in-progress"` when a non-blocking
   * socket connects in the background (EINPROGRESS; wait for writability,
   * then read {@linkcode SocketApi.pendingError}).
   */
  connect(fd: number, address: SocketAddress): "connected" | "in-progress";
  /** SO_ERROR: 0, or the errno a background connect failed with. */
  pendingError(fd: number): number;
  /** getsockname(2). */
  localAddress(fd: number): SocketAddress;
  /** getpeername(2). */
  peerAddress(fd: number): SocketAddress;
  /** shutdown(2) with SHUT_RD, SHUT_WR or SHUT_RDWR. */
  shutdown(fd: number, how: number): void;
}

/** Opens the socket calls of libc (needs `ffi` for libc's path). */
export function openSocketApi(): SocketApi {
  const lib = openLibcSymbols(SYMBOLS);
  const s = lib.symbols;
  const typeFlags = (options?: SocketOptions) =>
    SOCK_STREAM | SOCK_CLOEXEC | (options?.nonblocking ? SOCK_NONBLOCK : 0);
  const addressOf = (
    call: "getsockname" | "getpeername",
    fd: number,
  ): SocketAddress => {
    const buffer = new Uint8Array(SOCKADDR_MAX_SIZE);
    const length = new Uint32Array([SOCKADDR_MAX_SIZE]);
    lib.check(s[call](fd, buffer, length), call, `fd ${fd}`);
    return decodeSocketAddress(buffer, length[0]);
  };
  return {
    socket(family, options) {
      return lib.check(
        s.socket(
          family === "vsock" ? AF_VSOCK : AF_UNIX,
          typeFlags(options),
          0,
        ),
        "socket",
        family,
      );
    },
    bind(fd, address) {
      const bytes = encodeSocketAddress(address);
      lib.check(
        s.bind(fd, bytes, bytes.length),
        "bind",
        formatSocketAddress(address),
      );
    },
    listen(fd, backlog) {
      lib.check(s.listen(fd, backlog), "listen", `fd ${fd}`);
    },
    accept(fd, options) {
      const flags = (options?.nonblocking ? SOCK_NONBLOCK : 0) | SOCK_CLOEXEC;
      while (true) {
        const buffer = new Uint8Array(SOCKADDR_MAX_SIZE);
        const length = new Uint32Array([SOCKADDR_MAX_SIZE]);
        const result = s.accept4(fd, buffer, length, flags);
        if (result >= 0) {
          return { fd: result, peer: decodeSocketAddress(buffer, length[0]) };
        }
        const errno = lib.errno();
        if (errno === ERRNO.EINTR || errno === ERRNO.ECONNABORTED) continue;
        if (errno === ERRNO.EAGAIN) return undefined;
        throw new LibcError("accept4", errno, `fd ${fd}`);
      }
    },
    connect(fd, address) {
      const bytes = encodeSocketAddress(address);
      if (s.connect(fd, bytes, bytes.length) === 0) return "connected";
      const errno = lib.errno();
      if (errno === ERRNO.EINPROGRESS) return "in-progress";
      throw new LibcError("connect", errno, formatSocketAddress(address));
    },
    pendingError(fd) {
      const value = new Int32Array(1);
      const length = new Uint32Array([4]);
      lib.check(
        s.getsockopt(fd, SOL_SOCKET, SO_ERROR, value, length),
        "getsockopt SO_ERROR",
      );
      return value[0];
    },
    localAddress: (fd) => addressOf("getsockname", fd),
    peerAddress: (fd) => addressOf("getpeername", fd),
    shutdown(fd, how) {
      lib.check(s.shutdown(fd, how), "shutdown", `fd ${fd}`);
    },
    [Symbol.dispose]() {
      lib[Symbol.dispose]();
    },
  };
}
