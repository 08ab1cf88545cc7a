/**
 * The one line to show for anything thrown.
 *
 * @module
 */

/**
 * The message of an Error, or the thrown value as text.
 *
 * @example
 * ```ts
 * import { errorMessage } from "./error_message.ts";
 * errorMessage(new Error("disk full")); // "disk full"
 * errorMessage("plain"); // "plain"
 * ```
 */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
