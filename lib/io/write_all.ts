/**
 * Writing a whole buffer to a writer that may take it in pieces.
 *
 * @module
 */

/** Anything with Deno's `write` (connections, files, stdio). */
export interface AsyncWriter {
  /** Writes some of `bytes`; resolves how many. */
  write(bytes: Uint8Array): Promise<number>;
}

/** Anything with Deno's `writeSync` (files, stdio). */
export interface SyncWriter {
  /** Writes some of `bytes`; returns how many. */
  writeSync(bytes: Uint8Array): number;
}

/**
 * Writes all of `bytes`, however many calls it takes.
 *
 * @example
 * ```ts
 * import { writeAll } from "./write_all.ts";
 * await writeAll(Deno.stdout, new TextEncoder().encode("hello\n"));
 * ```
 */
export async function writeAll(
  writer: AsyncWriter,
  bytes: Uint8Array,
): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    offset += await writer.write(bytes.subarray(offset));
  }
}

/** {@linkcode writeAll} for synchronous writers. */
export function writeAllSync(writer: SyncWriter, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) {
    offset += writer.writeSync(bytes.subarray(offset));
  }
}
