/**
 * Set-up functions that start several things build them on an
 * `AsyncDisposableStack` (so a failure half-way stops what already runs)
 * and hand the stack to what they return.
 *
 * @example
 * ```ts
 * import { owning } from "./owning.ts";
 * async function setup() {
 *   await using stack = new AsyncDisposableStack();
 *   const dir = await Deno.makeTempDir();
 *   stack.defer(() => Deno.remove(dir, { recursive: true }));
 *   return owning(stack, { dir });
 * }
 * await using ready = await setup();
 * ```
 *
 * @module
 */

/**
 * `value`, now owning what `stack` holds: disposing it disposes them, last
 * first. `stack` is left empty, so leaving its `await using` block no
 * longer stops them.
 */
export function owning<T extends object>(
  stack: AsyncDisposableStack,
  value: T,
): T & AsyncDisposable {
  const owned = stack.move();
  return { ...value, [Symbol.asyncDispose]: () => owned.disposeAsync() };
}
