/**
 * Plain file descriptor calls through libc: close, read, write and the
 * O_NONBLOCK flag. Reads and writes on non-blocking fds answer `undefined`
 * for EAGAIN instead of throwing, since that is the normal "not now" of an
 * event loop, not a failure.
 *
 * Synchronous calls only: errno is per thread (see lib/ffi/library.ts).
 *
 * @module
 */

import { ERRNO, LibcError, openLibcSymbols } from "./library.ts";

/** fcntl: read the file status flags. */
export const F_GETFL = 3;
/** fcntl: set the file status flags. */
export const F_SETFL = 4;
/** Status flag: calls that would block fail with EAGAIN instead. */
export const O_NONBLOCK = 0o4000;

const SYMBOLS = {
  close: { parameters: ["i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
} as const;

/** File descriptor calls, opened; dispose when done. */
export interface FdApi extends Disposable {
  /** close(2). EINTR still closes on Linux, so it is not an error here. */
  close(fd: number): void;
  /** close(2) where a failure changes nothing (teardown, an fd given away). */
  closeQuietly(fd: number): void;
  /**
   * read(2) into `into`: the byte count (0 at end of file), or undefined
   * when a non-blocking fd has nothing now (EAGAIN). Retries on EINTR.
   */
  read(fd: number, into: Uint8Array): number | undefined;
  /**
   * write(2) from `bytes`: the count written, possibly short, or undefined
   * when a non-blocking fd cannot take any now (EAGAIN). Retries on EINTR.
   */
  write(fd: number, bytes: Uint8Array): number | undefined;
  /** Sets or clears O_NONBLOCK on `fd`. */
  setNonblocking(fd: number, nonblocking: boolean): void;
}

/** Opens the fd calls of libc (needs `ffi` for libc's path). */
export function openFdApi(): FdApi {
  const lib = openLibcSymbols(SYMBOLS);
  const s = lib.symbols;
  const transfer = (
    call: "read" | "write",
    fd: number,
    bytes: Uint8Array,
  ): number | undefined => {
    while (true) {
      const result = Number(
        s[call](fd, bytes as Uint8Array<ArrayBuffer>, BigInt(bytes.length)),
      );
      if (result >= 0) return result;
      const errno = lib.errno();
      if (errno === ERRNO.EINTR) continue;
      if (errno === ERRNO.EAGAIN) return undefined;
      throw new LibcError(call, errno, `fd ${fd}`);
    }
  };
  return {
    close(fd) {
      if (s.close(fd) === -1) {
        const errno = lib.errno();
        if (errno !== ERRNO.EINTR) throw new LibcError("close", errno);
      }
    },
    closeQuietly(fd) {
      s.close(fd);
    },
    read: (fd, into) => transfer("read", fd, into),
    write: (fd, bytes) => transfer("write", fd, bytes),
    setNonblocking(fd, nonblocking) {
      const flags = lib.check(s.fcntl(fd, F_GETFL, 0), "fcntl", `fd ${fd}`);
      const wanted = nonblocking ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
      if (wanted !== flags) {
        lib.check(s.fcntl(fd, F_SETFL, wanted), "fcntl", `fd ${fd}`);
      }
    },
    [Symbol.dispose]() {
      lib[Symbol.dispose]();
    },
  };
}
