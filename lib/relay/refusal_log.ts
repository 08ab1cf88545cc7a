/**
 * Refusals, reported without flooding: the first refusal of a kind (same
 * relay, CID, port and reason) is reported at once; more of that kind
 * within the next second are counted and reported as one summary entry
 * when the second is over. A VM that hammers a relay with connections it
 * may not make costs one log line per second, not one per connection.
 *
 * @module
 */
import type { RelayDecision } from "./decision.ts";
import { RepeatFolder } from "../io/mod.ts";

/** What a {@linkcode RefusalLog} needs. */
export interface RefusalLogOptions {
  /** Where decisions go (a relay's `onDecision`). */
  report(decision: RelayDecision): void;
  /** How long repeats are folded; default 1 s. */
  readonly windowMs?: number;
}

/**
 * Reports refusals, folding repeats (see the module documentation). Close
 * it when its relay stops: that reports what is folded and stops its
 * timer.
 */
export class RefusalLog {
  readonly #folder: RepeatFolder<RelayDecision>;

  /** Reports through `options.report`. */
  constructor(options: RefusalLogOptions) {
    this.#folder = new RepeatFolder({
      kind: (decision) =>
        JSON.stringify([
          decision.relay,
          decision.cid,
          decision.port,
          decision.reason,
        ]),
      report: (decision, repeats) =>
        options.report(
          repeats
            ? { ...decision, time: new Date().toISOString(), repeated: repeats }
            : decision,
        ),
      windowMs: options.windowMs,
    });
  }

  /**
   * Reports the refusal `decision`, or folds it into its kind's summary;
   * returns whether it was reported now.
   */
  refuse(decision: RelayDecision): boolean {
    return this.#folder.add(decision);
  }

  /** Reports every folded refusal now and stops folding. */
  close(): void {
    this.#folder.close();
  }
}
