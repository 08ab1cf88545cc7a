/**
 * Waiting on a read, a connect or a process for at most a given time. The
 * operation keeps running when time is up; the caller closes what it was
 * using.
 *
 * @module
 */

/**
 * `promise`'s value, or `"timeout"` when it takes longer than `ms` (at
 * once when `ms` is not positive; a later rejection is then ignored).
 *
 * @example
 * ```ts
 * import { withTimeout } from "./with_timeout.ts";
 * const never = new Promise<number>(() => {});
 * await withTimeout(never, 10); // "timeout"
 * ```
 */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
): Promise<T | "timeout"> {
  if (ms <= 0) {
    promise.catch(() => {});
    return Promise.resolve("timeout");
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
