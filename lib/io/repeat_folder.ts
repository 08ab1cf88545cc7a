/**
 * Log entries a guest can repeat at will, reported without flooding: the
 * first entry of a kind is reported at once; more of that kind within the
 * window are folded and reported as one summary with their count when the
 * window ends. A guest that hammers a guard costs a line a second, not a
 * line an attempt. The kinds followed at once are bounded; past the bound,
 * entries are reported as they come, so memory stays bounded too.
 *
 * @module
 */

/** What a {@linkcode RepeatFolder} needs. */
export interface RepeatFolderOptions<T> {
  /** The kind an entry is folded under. */
  kind(entry: T): string;
  /**
   * Reports an entry: the first of its kind with `repeats` 0, and a
   * summary of the folded ones with their count.
   */
  report(entry: T, repeats: number): void;
  /**
   * Combines the folded entries into the summary's entry; default: the
   * latest one.
   */
  merge?(summary: T, next: T): T;
  /** How long repeats are folded from the first of a kind; 1 s. */
  windowMs?: number;
  /** Most kinds followed at once; 1024. */
  maxKinds?: number;
}

interface Window<T> {
  until: number;
  repeats: number;
  summary?: T;
}

/**
 * Folds repeated entries (see the module documentation). Close it when its
 * source stops: it reports what is folded and stops its timer.
 *
 * @example
 * ```ts
 * import { RepeatFolder } from "./repeat_folder.ts";
 * const log = new RepeatFolder<string>({
 *   kind: (line) => line,
 *   report: (line, repeats) =>
 *     console.log(repeats ? `${line} (${repeats} more)` : line),
 * });
 * log.add("refused"); // printed now
 * log.add("refused"); // folded
 * log.close(); // "refused (1 more)"
 * ```
 */
export class RepeatFolder<T> {
  readonly #options: RepeatFolderOptions<T>;
  readonly #windowMs: number;
  readonly #maxKinds: number;
  readonly #windows = new Map<string, Window<T>>();
  #timer?: ReturnType<typeof setTimeout>;
  #closed = false;

  /** Folds through `options`. */
  constructor(options: RepeatFolderOptions<T>) {
    this.#options = options;
    this.#windowMs = options.windowMs ?? 1_000;
    this.#maxKinds = options.maxKinds ?? 1_024;
  }

  /** Reports `entry` now, or folds it; returns whether it was reported now. */
  add(entry: T): boolean {
    const kind = this.#options.kind(entry);
    const now = Date.now();
    const open = this.#windows.get(kind);
    if (!this.#closed && open && now < open.until) {
      open.repeats++;
      open.summary = open.summary && this.#options.merge
        ? this.#options.merge(open.summary, entry)
        : entry;
      return false;
    }
    if (open) {
      this.#windows.delete(kind);
      this.#summarise(open);
    }
    this.#options.report(entry, 0);
    if (this.#closed || this.#windows.size >= this.#maxKinds) return true;
    this.#windows.set(kind, { until: now + this.#windowMs, repeats: 0 });
    this.#timer ??= setTimeout(() => this.#expire(), this.#windowMs);
    return true;
  }

  /** Reports everything folded now and folds no more. */
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
        this.#windows.delete(kind);
        this.#summarise(window);
      } else next = Math.min(next, window.until);
    }
    if (next !== Infinity) {
      this.#timer = setTimeout(() => this.#expire(), next - now);
    }
  }

  #summarise(window: Window<T>): void {
    if (window.repeats > 0 && window.summary !== undefined) {
      this.#options.report(window.summary, window.repeats);
    }
  }
}
