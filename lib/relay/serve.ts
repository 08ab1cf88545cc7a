/**
 * Running a relay as a foreground command: log every decision and end as
 * a JSON line, stop cleanly on SIGINT or SIGTERM, and fail when the loop
 * dies on its own.
 *
 * @module
 */

import type { RelayDecision } from "./decision.ts";
import type { Relay } from "./dispatcher.ts";
import type { ConnectionEnd } from "./engine.ts";

const STOP_SIGNALS: Deno.Signal[] = ["SIGINT", "SIGTERM"];

/** One line of a relay command's log. */
export function logLine(
  entry:
    | ({ event: "decision" } & RelayDecision)
    | ({ event: "end" } & ConnectionEnd),
): string {
  return JSON.stringify(entry) + "\n";
}

/**
 * Waits until SIGINT or SIGTERM (then closes `relay` and resolves) or
 * until the relay stops by itself (then rejects, since nothing asked it
 * to). The signal listeners are removed either way.
 */
export async function serveUntilSignal(relay: Relay): Promise<Deno.Signal> {
  let onSignal!: (signal: Deno.Signal) => void;
  const signalled = new Promise<Deno.Signal>((resolve) => onSignal = resolve);
  const listeners = STOP_SIGNALS.map((signal) => {
    const listener = () => onSignal(signal);
    Deno.addSignalListener(signal, listener);
    return [signal, listener] as const;
  });
  try {
    const first = await Promise.race([
      signalled,
      relay.stopped.then(() => undefined),
    ]);
    if (first === undefined) throw new Error("the relay loop stopped");
    await relay.close();
    return first;
  } finally {
    for (const [signal, listener] of listeners) {
      Deno.removeSignalListener(signal, listener);
    }
  }
}
