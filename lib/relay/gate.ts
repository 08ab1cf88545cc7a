/**
 * What a relay does around each routing decision, the same for the
 * dispatcher and the forwarder: counts the connection against the caps
 * (connection_caps.ts), reports the decision, folding repeated refusals
 * (refusal_log.ts), and reports each connection's end, except the ends
 * of refusals that were folded: those would flood the log just the same.
 *
 * @module
 */
import { ConnectionCaps, type ConnectionLimits } from "./connection_caps.ts";
import type { RelayDecision } from "./decision.ts";
import type { ConnectionEnd } from "./engine.ts";
import { RefusalLog } from "./refusal_log.ts";

/** What a {@linkcode RelayGate} needs: the relay's options. */
export interface RelayGateOptions {
  /** Caps on connections; see {@linkcode ConnectionLimits}. */
  readonly limits?: ConnectionLimits;
  /** Every decision (refusals of one kind folded within a second). */
  onDecision?(decision: RelayDecision): void;
  /** Every connection's end, but those of folded refusals. */
  onEnd?(end: ConnectionEnd): void;
}

/** Caps, decision reports and end reports of one relay. */
export class RelayGate {
  readonly #caps: ConnectionCaps;
  readonly #refusals: RefusalLog;
  readonly #onDecision?: (decision: RelayDecision) => void;
  readonly #onEnd?: (end: ConnectionEnd) => void;
  /** Connections refused without a report of their own. */
  readonly #folded = new Set<number>();

  /** A gate for a relay with `options`. */
  constructor(options: RelayGateOptions) {
    this.#caps = new ConnectionCaps(options.limits);
    this.#onDecision = options.onDecision;
    this.#onEnd = options.onEnd;
    this.#refusals = new RefusalLog({
      report: (decision) => this.#onDecision?.(decision),
    });
  }

  /**
   * Counts connection `id` from `cid` until its end, or returns why the
   * caps refuse it (then it is not counted).
   */
  admit(id: number, cid: number): string | undefined {
    return this.#caps.admit(id, cid);
  }

  /** Reports an allowed connection. */
  allow(decision: RelayDecision): void {
    this.#onDecision?.(decision);
  }

  /** Reports a refusal, or folds it into a summary of its kind. */
  refuse(decision: RelayDecision): void {
    if (!this.#refusals.refuse(decision)) this.#folded.add(decision.connection);
  }

  /** A connection ended: stop counting it, and report it unless folded. */
  ended(end: ConnectionEnd): void {
    this.#caps.release(end.id);
    if (!this.#folded.delete(end.id)) this.#onEnd?.(end);
  }

  /** The relay stopped: report folded refusals now, stop the timer. */
  close(): void {
    this.#refusals.close();
  }
}
