/**
 * Reading the request log, once or following it as it grows.
 *
 * @module
 */
import { type EgressRecord, parseRecordLine } from "./log_record.ts";

/** What {@linkcode readLog} reads. */
export interface ReadLogOptions {
  /** The JSONL file. */
  path: string;
  /** Keep waiting for new records until `signal` aborts. */
  follow?: boolean;
  /** Only records of this VM. */
  vm?: string;
  /** Stops following. */
  signal?: AbortSignal;
  /** How often to look for new lines when following (default 250 ms). */
  intervalMs?: number;
}

/** Yields the log's records in order; lines that are not records are skipped. */
export async function* readLog(
  options: ReadLogOptions,
): AsyncGenerator<EgressRecord> {
  const file = await Deno.open(options.path);
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(64 * 1024);
  let pending = "";
  try {
    while (!options.signal?.aborted) {
      const read = await file.read(buffer);
      if (read === null) {
        if (!options.follow) break;
        await new Promise((resolve) =>
          setTimeout(resolve, options.intervalMs ?? 250)
        );
        continue;
      }
      pending += decoder.decode(buffer.subarray(0, read), { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const record = parseRecordLine(line);
        if (!record) continue;
        if (options.vm !== undefined && record.vm !== options.vm) continue;
        yield record;
      }
    }
    if (!options.follow && pending.trim() !== "") {
      const record = parseRecordLine(pending);
      if (record && (options.vm === undefined || record.vm === options.vm)) {
        yield record;
      }
    }
  } finally {
    file.close();
  }
}
