/**
 * The base of every error qubesify's library throws on purpose: a failure
 * the user can act on, whose message says what to fix. The CLI reports
 * these as one line under the command's name; anything else is a bug and
 * keeps its stack.
 *
 * @module
 */

/** What a {@linkcode QubesifyError} carries besides its message. */
export interface QubesifyErrorOptions extends ErrorOptions {
  /** Lines a person needs to fix the problem, shown below the message. */
  details?: readonly string[];
}

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
  /** The exit code of a CLI that ends with this error: 1 unless a subclass says. */
  readonly exitCode: number = 1;
  /** Lines shown below the message: install lines, the end of a build log. */
  readonly details: readonly string[];
  /** Creates the error; its name is the subclass's. */
  constructor(message: string, options?: QubesifyErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.details = options?.details ?? [];
  }
}
