/**
 * The error every failed kernel build ends in.
 *
 * @module
 */
import { QubesifyError } from "../errors/mod.ts";

/**
 * A kernel build that cannot go on. `message` is one line; `details` holds
 * what a person needs to fix it (install lines, options that did not stick,
 * the end of the build log).
 */
export class KernelBuildError extends QubesifyError {
  /** Creates the error with a one-line message and optional detail lines. */
  constructor(message: string, details: readonly string[] = []) {
    super(message, { details });
  }
}

/** The build was interrupted (Ctrl-C or SIGTERM) and cleaned up. */
export class KernelBuildAborted extends QubesifyError {
  /** As a shell reports a process ended by SIGINT. */
  override readonly exitCode = 130;
  /** Creates the error. */
  constructor() {
    super("kernel build interrupted; nothing was cached");
  }
}
