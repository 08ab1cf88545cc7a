/**
 * One read for many askers: the dispatcher asks for the VM list once per
 * connection, and a burst of connections must not become a burst of
 * reads.
 *
 * @module
 */

/**
 * Wraps `read` so that at most one runs at a time. A call while none runs
 * starts one; calls while one runs share the next, which starts when the
 * running one ends. So every caller gets the result of a read that began
 * after it asked (never one that may predate a change it depends on),
 * and however many ask at once, reads run back to back, not side by side.
 *
 * @example
 * ```ts
 * import { coalesced } from "./coalesced.ts";
 * const list = coalesced(() => Deno.readTextFile("/etc/hostname"));
 * const [a, b, c] = await Promise.all([list(), list(), list()]);
 * // Two reads: one for a, one shared by b and c.
 * ```
 */
export function coalesced<T>(read: () => Promise<T>): () => Promise<T> {
  let running = false;
  let queued: PromiseWithResolvers<T> | undefined;
  const start = (): Promise<T> => {
    running = true;
    // A read that throws at once fails its callers like one that rejects.
    const run = new Promise<T>((resolve) => resolve(read()));
    // Registered before any caller's: the next read starts before a
    // caller of this one can ask again.
    run.then(settle, settle);
    return run;
  };
  const settle = () => {
    running = false;
    const waiting = queued;
    queued = undefined;
    waiting?.resolve(start());
  };
  return () => {
    if (!running) return start();
    queued ??= Promise.withResolvers<T>();
    return queued.promise;
  };
}
