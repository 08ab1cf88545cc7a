/**
 * Turning Ctrl-C and SIGTERM into an AbortSignal for long operations, so
 * they stop their children and clean up instead of dying mid-write. Every
 * long-running command and server takes its signals through here, also in
 * the fenced Worker each command runs in (lib/cli/fenced.ts): Deno hands a
 * process signal to the listeners of every thread, so nothing relays it.
 *
 * @module
 */
import { QubesifyError } from "../errors/mod.ts";

const SIGNALS: Deno.Signal[] = ["SIGINT", "SIGTERM"];

/** The abort reason: the user asked to stop. */
export class InterruptedError extends QubesifyError {
  /** The shell's convention for a process ended by SIGINT. */
  override readonly exitCode = 130;
}

/**
 * Runs `operation` with a signal that aborts on SIGINT or SIGTERM (with an
 * {@linkcode InterruptedError}); the listeners are removed when it settles.
 *
 * @example
 * ```ts
 * import { withInterruption } from "./interruption.ts";
 * await withInterruption(async (signal) => {
 *   await new Promise((resolve) => signal.addEventListener("abort", resolve));
 * });
 * ```
 */
export async function withInterruption<T>(
  operation: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const abort = () =>
    controller.abort(
      new InterruptedError("interrupted; nothing half-built was kept"),
    );
  for (const signal of SIGNALS) Deno.addSignalListener(signal, abort);
  try {
    return await operation(controller.signal);
  } finally {
    for (const signal of SIGNALS) Deno.removeSignalListener(signal, abort);
  }
}
