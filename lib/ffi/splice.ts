/**
 * Pipes and splice(2): moving bytes between a socket and a pipe inside the
 * kernel, never through user space. A relay splices socket → pipe → socket.
 *
 * Synchronous calls only: errno is per thread (see lib/ffi/library.ts).
 *
 * @module
 */

import { ERRNO, LibcError, openLibcSymbols } from "./library.ts";

/** splice: move pages instead of copying, where the kernel can. */
export const SPLICE_F_MOVE = 1;
/** splice: do not block on the pipe (sockets follow their own O_NONBLOCK). */
export const SPLICE_F_NONBLOCK = 2;
/** splice: more data follows (a hint for sockets, like MSG_MORE). */
export const SPLICE_F_MORE = 4;
/** fcntl: set a pipe's capacity in bytes (rounded up to pages). */
export const F_SETPIPE_SZ = 1031;
/** fcntl: a pipe's capacity in bytes. */
export const F_GETPIPE_SZ = 1032;

const SYMBOLS = {
  pipe2: { parameters: ["buffer", "i32"], result: "i32" },
  splice: {
    parameters: ["i32", "usize", "i32", "usize", "usize", "u32"],
    result: "isize",
  },
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
} as const;

/** The two ends of a pipe. */
export interface PipeFds {
  /** Read end. */
  readonly read: number;
  /** Write end. */
  readonly write: number;
}

/** Pipe and splice calls, opened; dispose when done. */
export interface SpliceApi extends Disposable {
  /** pipe2(2) with `flags` (e.g. O_NONBLOCK | O_CLOEXEC, from fd.ts and libc.ts). */
  pipe(flags: number): PipeFds;
  /**
   * splice(2) up to `length` bytes from `from` to `to` (one of them a
   * pipe), at their current offsets: the count moved, 0 at end of input,
   * or undefined for EAGAIN. Retries on EINTR; other errors throw
   * {@linkcode LibcError} (EPIPE, ECONNRESET, ...).
   */
  splice(from: number, to: number, length: number, flags: number):
    | number
    | undefined;
  /**
   * Asks for a pipe capacity of `bytes`; answers the capacity it has
   * after (the old one when the kernel refuses, e.g. over pipe-max-size).
   */
  setPipeSize(fd: number, bytes: number): number;
}

/** Opens the pipe and splice calls of libc (needs `ffi` for libc's path). */
export function openSpliceApi(): SpliceApi {
  const lib = openLibcSymbols(SYMBOLS);
  const s = lib.symbols;
  return {
    pipe(flags) {
      const fds = new Int32Array(2);
      lib.check(s.pipe2(fds, flags), "pipe2");
      return { read: fds[0], write: fds[1] };
    },
    splice(from, to, length, flags) {
      while (true) {
        const result = Number(
          s.splice(from, 0n, to, 0n, BigInt(length), flags),
        );
        if (result >= 0) return result;
        const errno = lib.errno();
        if (errno === ERRNO.EINTR) continue;
        if (errno === ERRNO.EAGAIN) return undefined;
        throw new LibcError("splice", errno, `fd ${from} → fd ${to}`);
      }
    },
    setPipeSize(fd, bytes) {
      if (s.fcntl(fd, F_SETPIPE_SZ, bytes) === -1) {
        const errno = lib.errno();
        if (errno !== ERRNO.EPERM && errno !== ERRNO.EBUSY) {
          throw new LibcError("fcntl F_SETPIPE_SZ", errno, `fd ${fd}`);
        }
      }
      return lib.check(s.fcntl(fd, F_GETPIPE_SZ, 0), "fcntl F_GETPIPE_SZ");
    },
    [Symbol.dispose]() {
      lib[Symbol.dispose]();
    },
  };
}
