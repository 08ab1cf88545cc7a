/**
 * Appending records to the JSONL request log. Each record goes out in one
 * write on a file opened for appending, so lines from concurrent proxies
 * writing one file do not interleave.
 *
 * The log has a size cap: a write that would take the file past it first
 * renames the file to `<log>.1` (replacing the one before) and starts a
 * new one, so the log and its one predecessor never hold much more than
 * twice the cap, however much a guest makes the proxy write. Several
 * proxies may share the log: the rename happens under an exclusive lock
 * on the file, only while the file is still the one at the log's path,
 * and a writer whose file was renamed away moves to the new one.
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

/** What {@linkcode openLogFile} may change. */
export interface LogFileOptions {
  /** The size at which the log is rotated (default 16 MiB). */
  maxBytes?: number;
}

/** The default size cap of a request log. */
export const DEFAULT_LOG_MAX_BYTES = 16 * 1024 * 1024;

/** The file a full log is renamed to. */
export function rotatedLogPath(path: string): string {
  return `${path}.1`;
}

/** Opens (creating) the JSONL file at `path` for appending. */
export async function openLogFile(
  path: string,
  options: LogFileOptions = {},
): Promise<RecordSink> {
  const maxBytes = options.maxBytes ?? DEFAULT_LOG_MAX_BYTES;
  await Deno.mkdir(dirname(path), { recursive: true });
  const open = () =>
    Deno.open(path, { append: true, create: true, mode: 0o600 });
  let file = await open();
  const encoder = new TextEncoder();
  let queue = Promise.resolve();
  let failure: unknown;
  const append = async (bytes: Uint8Array) => {
    const [ours, current] = await Promise.all([
      file.stat(),
      Deno.stat(path).catch(() => undefined),
    ]);
    const moved = !current || !sameFile(ours, current);
    if (moved || (ours.size > 0 && ours.size + bytes.length > maxBytes)) {
      if (!moved) await rotate(file, path);
      file.close();
      file = await open();
    }
    await writeAll(file, bytes);
  };
  return {
    write(record) {
      const bytes = encoder.encode(JSON.stringify(record) + "\n");
      queue = queue.then(() => append(bytes)).catch((error) => {
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

/**
 * Renames the log at `path` to `<path>.1` if `file` is still that log;
 * if another writer rotated it already, leaves it (the caller reopens).
 */
async function rotate(file: Deno.FsFile, path: string): Promise<void> {
  await file.lock(true);
  try {
    const ours = await file.stat();
    const current = await Deno.stat(path).catch(() => undefined);
    if (current && sameFile(current, ours)) {
      await Deno.rename(path, rotatedLogPath(path));
    }
  } finally {
    await file.unlock();
  }
}

function sameFile(a: Deno.FileInfo, b: Deno.FileInfo): boolean {
  return a.ino === b.ino && a.dev === b.dev;
}
