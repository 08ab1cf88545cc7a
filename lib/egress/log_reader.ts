/**
 * Reading the request log, once or following it as it grows: the rotated
 * `<log>.1` first when there is one, then the log itself; a follower
 * moves on to the new log when the one it reads is rotated away.
 *
 * @module
 */
import { type EgressRecord, parseRecordLine } from "./log_record.ts";
import { rotatedLogPath } from "./log_writer.ts";

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
  const wanted = (record: EgressRecord | undefined) =>
    record !== undefined &&
    (options.vm === undefined || record.vm === options.vm);
  const rotated = await Deno.open(rotatedLogPath(options.path)).catch(
    () => undefined,
  );
  if (rotated) {
    const lines = new LineReader(rotated);
    try {
      for await (const line of lines.lines()) {
        const record = parseRecordLine(line);
        if (wanted(record)) yield record!;
      }
      const last = parseRecordLine(lines.rest());
      if (wanted(last)) yield last!;
    } finally {
      rotated.close();
    }
  }
  let file = await Deno.open(options.path);
  let lines = new LineReader(file);
  try {
    while (!options.signal?.aborted) {
      for await (const line of lines.lines()) {
        const record = parseRecordLine(line);
        if (wanted(record)) yield record!;
      }
      if (!options.follow) break;
      if (await rotatedAway(file, options.path)) {
        // Whatever was appended before the rename has been read above.
        const next = await Deno.open(options.path).catch(() => undefined);
        if (next) {
          file.close();
          file = next;
          lines = new LineReader(file);
          continue;
        }
      }
      await new Promise((resolve) =>
        setTimeout(resolve, options.intervalMs ?? 250)
      );
    }
    if (!options.follow) {
      const last = parseRecordLine(lines.rest());
      if (wanted(last)) yield last!;
    }
  } finally {
    file.close();
  }
}

/** Whether the file at `path` is no longer `file` (renamed or removed). */
async function rotatedAway(file: Deno.FsFile, path: string): Promise<boolean> {
  const [ours, current] = await Promise.all([
    file.stat(),
    Deno.stat(path).catch(() => undefined),
  ]);
  return !current || current.ino !== ours.ino || current.dev !== ours.dev;
}

/** Complete lines of a file as they arrive; a partial last line waits. */
class LineReader {
  readonly #file: Deno.FsFile;
  readonly #decoder = new TextDecoder();
  readonly #buffer = new Uint8Array(64 * 1024);
  #pending = "";

  constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  /** The complete lines up to the file's current end. */
  async *lines(): AsyncGenerator<string> {
    while (true) {
      const read = await this.#file.read(this.#buffer);
      if (read === null) return;
      this.#pending += this.#decoder.decode(this.#buffer.subarray(0, read), {
        stream: true,
      });
      const lines = this.#pending.split("\n");
      this.#pending = lines.pop() ?? "";
      yield* lines;
    }
  }

  /** The text after the last complete line. */
  rest(): string {
    return this.#pending + this.#decoder.decode();
  }
}
