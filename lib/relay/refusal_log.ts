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

/** One kind of refusal within its window. */
interface Window {
  /** When the window closes (ms, `Date.now()`). */
  readonly until: number;
  /** Refusals folded into the window, not reported yet. */
  folded: number;
  /** The last of them. */
  last?: RelayDecision;
}

/** What a {@linkcode RefusalLog} needs. */
export interface RefusalLogOptions {
  /** Where decisions go (a relay's `onDecision`). */
  report(decision: RelayDecision): void;
  /** How long repeats are folded; default 1 s. */
  readonly windowMs?: number;
}

/** The kind a refusal is counted under. */
function kindOf(decision: RelayDecision): string {
  return JSON.stringify([
    decision.relay,
    decision.cid,
    decision.port,
    decision.reason,
  ]);
}

/**
 * Reports refusals, folding repeats (see the module documentation). Close
 * it when its relay stops: that reports what is folded and stops its
 * timer.
 */
export class RefusalLog {
  readonly #report: (decision: RelayDecision) => void;
  readonly #windowMs: number;
  readonly #windows = new Map<string, Window>();
  #timer?: ReturnType<typeof setTimeout>;
  #closed = false;

  /** Reports through `options.report`. */
  constructor(options: RefusalLogOptions) {
    this.#report = options.report;
    this.#windowMs = options.windowMs ?? 1_000;
  }

  /**
   * Reports the refusal `decision`, or folds it into its kind's summary;
   * returns whether it was reported now.
   */
  refuse(decision: RelayDecision): boolean {
    if (this.#closed) {
      this.#report(decision);
      return true;
    }
    const kind = kindOf(decision);
    const now = Date.now();
    const open = this.#windows.get(kind);
    if (open && now < open.until) {
      open.folded++;
      open.last = decision;
      return false;
    }
    if (open) this.#summarise(open);
    this.#windows.set(kind, { until: now + this.#windowMs, folded: 0 });
    this.#report(decision);
    this.#timer ??= setTimeout(() => this.#expire(), this.#windowMs);
    return true;
  }

  /** Reports every folded refusal now and stops folding. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const window of this.#windows.values()) this.#summarise(window);
    this.#windows.clear();
  }

  #expire(): void {
    this.#timer = undefined;
    const now = Date.now();
    let next = Infinity;
    for (const [kind, window] of this.#windows) {
      if (now >= window.until) {
        this.#summarise(window);
        this.#windows.delete(kind);
      } else next = Math.min(next, window.until);
    }
    if (next !== Infinity) {
      this.#timer = setTimeout(() => this.#expire(), next - now);
    }
  }

  #summarise(window: Window): void {
    if (window.folded === 0 || !window.last) return;
    this.#report({
      ...window.last,
      time: new Date().toISOString(),
      repeated: window.folded,
    });
  }
}
