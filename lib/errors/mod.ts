/**
 * Errors: the base class of every failure qubesify reports to the user,
 * and the one way to turn a thrown value into a line of text.
 *
 * @module
 */
export { errorMessage } from "./error_message.ts";
export { QubesifyError, type QubesifyErrorOptions } from "./qubesify_error.ts";
