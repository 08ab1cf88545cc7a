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
import { RepeatFolder } from "../io/mod.ts";

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
  const folder = new RepeatFolder<EgressRecord>({
    kind: (record) =>
      JSON.stringify([
        record.vm,
        record.decision,
        record.method,
        record.host,
        record.port,
        record.address,
        record.rule,
        record.status,
        record.error,
      ]),
    report: (record, repeats) =>
      sink.write(repeats > 1 ? { ...record, count: repeats } : record),
    merge: (summary, next) => ({
      ...summary,
      duration_ms: Math.max(summary.duration_ms, next.duration_ms),
    }),
    windowMs: options.windowMs,
    maxKinds: options.maxBursts,
  });
  return {
    write(record) {
      if (record.status === null || record.status === 200) sink.write(record);
      else folder.add(record);
    },
    flush: () => folder.close(),
  };
}
