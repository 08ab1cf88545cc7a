/**
 * The base of every error qubesify's library throws on purpose: a failure
 * the user can act on, whose message says what to fix. The CLI reports
 * these as one line under the command's name; anything else is a bug and
 * keeps its stack.
 *
 * @module
 */

/**
 * An expected failure with a message fit for the user.
 *
 * @example
 * ```ts
 * import { QubesifyError } from "./qubesify_error.ts";
 * class TemplateMissingError extends QubesifyError {}
 * try {
 *   throw new TemplateMissingError("no template; run `qubesify build`");
 * } catch (error) {
 *   if (error instanceof QubesifyError) console.error(error.message);
 * }
 * ```
 */
export class QubesifyError extends Error {
  /** Creates the error; its name is the subclass's. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
