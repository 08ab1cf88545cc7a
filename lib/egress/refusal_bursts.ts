/**
 * Folding repeated refusals into one log record. A guest that asks for
 * the same refused target in a loop would otherwise write a record per
 * attempt into a log every VM shares; here the first refusal of a burst
 * is written at once and the identical ones that follow within the window
 * (same VM, request, target, reason) become one record with a `count`,
 * written when the window ends.
 *
 * @module
 */
import type { EgressRecord } from "./log_record.ts";
import type { RecordSink } from "./log_writer.ts";

/** What {@linkcode foldRefusals} folds. */
export interface FoldOptions {
  /** How long a burst lasts from its first refusal (default 1000 ms). */
  windowMs?: number;
  /**
   * Most bursts followed at once (default 1024); refusals beyond are
   * written as they come, so memory stays bounded whatever the guest does.
   */
  maxBursts?: number;
}

/** A record writer that folds bursts; `flush` ends every open burst now. */
export interface RefusalFolder {
  /** Writes `record`, or counts it into its burst. */
  write(record: EgressRecord): void;
  /** Writes the record of every open burst and stops their timers. */
  flush(): void;
}

interface Burst {
  /** The first repeat (the record of the burst's summary), if any yet. */
  repeat: EgressRecord | undefined;
  /** How many repeats. */
  count: number;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Folds refusals (records of requests the proxy answered itself with an
 * error status) written to `sink`; other records pass straight through.
 *
 * @example
 * ```ts
 * import { foldRefusals } from "./refusal_bursts.ts";
 * const folder = foldRefusals({ write: console.log, close: async () => {} });
 * folder.flush();
 * ```
 */
export function foldRefusals(
  sink: Pick<RecordSink, "write">,
  options: FoldOptions = {},
): RefusalFolder {
  const windowMs = options.windowMs ?? 1000;
  const maxBursts = options.maxBursts ?? 1024;
  const bursts = new Map<string, Burst>();
  const end = (key: string) => {
    const burst = bursts.get(key);
    if (!burst) return;
    bursts.delete(key);
    clearTimeout(burst.timer);
    if (!burst.repeat) return;
    sink.write(
      burst.count > 1 ? { ...burst.repeat, count: burst.count } : burst.repeat,
    );
  };
  return {
    write(record) {
      if (record.status === null || record.status === 200) {
        sink.write(record);
        return;
      }
      const key = JSON.stringify([
        record.vm,
        record.decision,
        record.method,
        record.host,
        record.port,
        record.address,
        record.rule,
        record.status,
        record.error,
      ]);
      const burst = bursts.get(key);
      if (burst) {
        burst.count++;
        burst.repeat ??= { ...record };
        burst.repeat.duration_ms = Math.max(
          burst.repeat.duration_ms,
          record.duration_ms,
        );
        return;
      }
      sink.write(record);
      if (bursts.size >= maxBursts) return;
      const timer = setTimeout(() => end(key), windowMs);
      bursts.set(key, { repeat: undefined, count: 0, timer });
    },
    flush() {
      for (const key of [...bursts.keys()]) end(key);
    },
  };
}
