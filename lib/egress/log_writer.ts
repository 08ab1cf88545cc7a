/**
 * Appending records to the JSONL request log. Each record goes out in one
 * write on a file opened for appending, so lines from concurrent proxies
 * writing one file do not interleave.
 *
 * @module
 */
import { dirname } from "node:path";
import { writeAll } from "../io/mod.ts";
import type { EgressRecord } from "./log_record.ts";

/** Where records go. */
export interface RecordSink {
  /** Queues one record. */
  write(record: EgressRecord): void;
  /** Resolves once every queued record is written, then closes. */
  close(): Promise<void>;
}

/** Opens (creating) the JSONL file at `path` for appending. */
export async function openLogFile(path: string): Promise<RecordSink> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const file = await Deno.open(path, {
    append: true,
    create: true,
    mode: 0o600,
  });
  const encoder = new TextEncoder();
  let queue = Promise.resolve();
  let failure: unknown;
  return {
    write(record) {
      const bytes = encoder.encode(JSON.stringify(record) + "\n");
      queue = queue.then(() => writeAll(file, bytes)).catch((error) => {
        failure ??= error;
      });
    },
    async close() {
      await queue;
      file.close();
      if (failure) throw failure;
    },
  };
}
