/**
 * Turning Ctrl-C and SIGTERM into an AbortSignal for long operations, so
 * they stop their children and clean up instead of dying mid-write.
 *
 * @module
 */

import { CliError } from "./errors.ts";

const SIGNALS: Deno.Signal[] = ["SIGINT", "SIGTERM"];
/** The shell's convention for a process ended by SIGINT. */
const INTERRUPTED_EXIT_CODE = 130;

/**
 * Runs `operation` with a signal that aborts on SIGINT or SIGTERM; the
 * listeners are removed when it settles.
 */
export async function withInterruption<T>(
  operation: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const abort = () =>
    controller.abort(
      new CliError(
        "qubesify: interrupted; nothing half-built was kept",
        INTERRUPTED_EXIT_CODE,
      ),
    );
  for (const signal of SIGNALS) Deno.addSignalListener(signal, abort);
  try {
    return await operation(controller.signal);
  } finally {
    for (const signal of SIGNALS) Deno.removeSignalListener(signal, abort);
  }
}
