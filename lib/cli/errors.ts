/**
 * Errors that carry the process exit code the CLI should end with.
 *
 * @module
 */
import { QubesifyError } from "../errors/mod.ts";

/** Exit codes: 0 ok, 1 runtime failure, 2 usage. */
export const ExitCode = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * A usage or command-level failure to report as one line, ending the CLI
 * with `exitCode`; the program prefixes the command's name.
 */
export class CliError extends QubesifyError {
  /** The process exit code. */
  override readonly exitCode: number;
  /** Creates an error that ends the CLI with `exitCode` (default 1). */
  constructor(message: string, exitCode: number = ExitCode.failure) {
    super(message);
    this.exitCode = exitCode;
  }
}
