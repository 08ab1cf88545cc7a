/**
 * Closing what may already be closed, on paths where a second close is not
 * an error worth reporting (cleanup after a failure, a peer that hung up).
 *
 * @module
 */

/**
 * Closes `resource`, ignoring that it is closed already.
 *
 * @example
 * ```ts
 * import { closeQuietly } from "./close_quietly.ts";
 * const listener = Deno.listen({ port: 0 });
 * closeQuietly(listener);
 * closeQuietly(listener); // no BadResource
 * ```
 */
export function closeQuietly(resource: { close(): void }): void {
  try {
    resource.close();
  } catch {
    // Already closed.
  }
}
