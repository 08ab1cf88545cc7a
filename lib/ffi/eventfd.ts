/**
 * eventfd(2): a counter behind an fd, the doorbell of vhost-user (kick and
 * call notifications) and a way to wake a Worker asleep in epoll_wait.
 *
 * Synchronous calls only: errno is per thread (see lib/ffi/library.ts).
 *
 * @module
 */

import { ERRNO, LibcError, openLibcSymbols } from "./library.ts";

/** eventfd flag: close on exec. */
export const EFD_CLOEXEC = 0o2000000;
/** eventfd flag: reads and writes fail with EAGAIN instead of blocking. */
export const EFD_NONBLOCK = 0o4000;

const SYMBOLS = {
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
} as const;

/** eventfd calls, opened; dispose when done. */
export interface EventFdApi extends Disposable {
  /** A new close-on-exec eventfd at 0 (non-blocking unless told). */
  create(options?: { blocking?: boolean }): number;
  /**
   * Adds `value` (default 1) to the counter, waking its readers. Answers
   * false when the counter is full on a non-blocking fd (EAGAIN).
   */
  signal(fd: number, value?: bigint): boolean;
  /**
   * Reads and resets the counter: its value, or undefined when it is 0 on
   * a non-blocking fd (EAGAIN).
   */
  drain(fd: number): bigint | undefined;
}

/** Opens the eventfd calls of libc (needs `ffi` for libc's path). */
export function openEventFdApi(): EventFdApi {
  const lib = openLibcSymbols(SYMBOLS);
  const s = lib.symbols;
  const value = new BigUint64Array(1);
  const bytes = new Uint8Array(value.buffer);
  const transfer = (call: "read" | "write", fd: number): boolean => {
    while (true) {
      if (Number(s[call](fd, bytes, 8n)) === 8) return true;
      const errno = lib.errno();
      if (errno === ERRNO.EINTR) continue;
      if (errno === ERRNO.EAGAIN) return false;
      throw new LibcError(call, errno, `eventfd ${fd}`);
    }
  };
  return {
    create(options) {
      const flags = EFD_CLOEXEC | (options?.blocking ? 0 : EFD_NONBLOCK);
      return lib.check(s.eventfd(0, flags), "eventfd");
    },
    signal(fd, amount = 1n) {
      value[0] = amount;
      return transfer("write", fd);
    },
    drain(fd) {
      return transfer("read", fd) ? value[0] : undefined;
    },
    [Symbol.dispose]() {
      lib[Symbol.dispose]();
    },
  };
}
