/**
 * A cap on the log events a back-end posts to the main thread. Each one
 * is a message the main thread must clone and handle, and a guest decides
 * how many refusals and drops there are: one refused packet per event
 * would let it flood the host's heap and its log. So at most `limit`
 * events pass per window; the rest are only counted, by kind, and the
 * counts go out as one `suppressed` event once their window is over.
 *
 * @module
 */

/** Events that did not pass in one window, counted by kind. */
export interface SuppressedEvent {
  /** What this is. */
  readonly kind: "suppressed";
  /** Kind → how many were held back. */
  readonly counts: Readonly<Record<string, number>>;
}

/** Options of {@linkcode EventLimiter}. */
export interface EventLimiterOptions {
  /** Events passed per window. */
  limit: number;
  /** Window length in milliseconds. */
  windowMs: number;
  /** The clock; `performance.now` when unset. */
  now?: () => number;
}

/** Lets through at most `limit` events per window, counting the rest. */
export class EventLimiter<E extends { readonly kind: string }> {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  #windowStart = -Infinity;
  #passed = 0;
  #suppressed = new Map<string, number>();

  /** A limiter of `options.limit` events per `options.windowMs`. */
  constructor(options: EventLimiterOptions) {
    this.#limit = options.limit;
    this.#windowMs = options.windowMs;
    this.#now = options.now ?? (() => performance.now());
  }

  /**
   * What to post now for `event`: the summary of an earlier window, if
   * one is due, then `event` itself if its window has room.
   *
   * @example
   * ```ts
   * import { EventLimiter } from "./event_limiter.ts";
   * const limiter = new EventLimiter({ limit: 1, windowMs: 1000 });
   * limiter.admit({ kind: "dropped" }); // [{ kind: "dropped" }]
   * limiter.admit({ kind: "dropped" }); // [] (counted)
   * ```
   */
  admit(event: E): (E | SuppressedEvent)[] {
    const out: (E | SuppressedEvent)[] = [];
    const summary = this.flush();
    if (summary) out.push(summary);
    if (this.#passed < this.#limit) {
      this.#passed++;
      out.push(event);
    } else {
      this.#suppressed.set(
        event.kind,
        (this.#suppressed.get(event.kind) ?? 0) + 1,
      );
    }
    return out;
  }

  /**
   * Starts a new window if the current one is over (or at once with
   * `force`: the sender is going away), returning the counts it held
   * back, if any.
   */
  flush(force = false): SuppressedEvent | undefined {
    const now = this.#now();
    if (!force && now - this.#windowStart < this.#windowMs) return undefined;
    this.#windowStart = now;
    this.#passed = 0;
    if (this.#suppressed.size === 0) return undefined;
    const counts = Object.fromEntries(this.#suppressed);
    this.#suppressed = new Map();
    return { kind: "suppressed", counts };
  }

  /**
   * Milliseconds until {@linkcode EventLimiter.flush} has a summary to
   * give; undefined while nothing is held back.
   */
  flushDueIn(): number | undefined {
    if (this.#suppressed.size === 0) return undefined;
    return Math.max(0, this.#windowStart + this.#windowMs - this.#now());
  }
}
