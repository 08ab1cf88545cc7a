/**
 * What one side of a guarded connection has yet to receive: byte chunks in
 * order, each with the fds that travel with its first byte, and the totals
 * the loop bounds (see guard_connection.ts).
 *
 * A send takes whole chunks, concatenated, with the fds of every chunk in
 * it attached to the batch's first byte: libwayland queues fds per
 * connection, so an fd may arrive early but never after the message that
 * uses it. A chunk carrying more fds than one send may hold goes out one
 * byte per group of fds, which keeps that rule too.
 *
 * @module
 */
import { concatBytes } from "../io/mod.ts";

/** One sendmsg's worth: bytes, and the fds attached to their first byte. */
export interface Batch {
  /** Bytes to send. */
  readonly bytes: Uint8Array;
  /** fds to attach, in order. */
  readonly fds: readonly number[];
}

interface Entry {
  bytes: Uint8Array;
  fds: number[];
}

/** Bytes and fds waiting for one side of a connection. */
export class OutputQueue {
  #entries: Entry[] = [];
  /** fds queued with no bytes: they go with the next bytes. */
  #carried: number[] = [];
  #size = 0;
  #fdCount = 0;

  /** Bytes queued. */
  get size(): number {
    return this.#size;
  }

  /** fds queued. */
  get fdCount(): number {
    return this.#fdCount;
  }

  /** Queues `chunks`, with `fds` attached to their first byte. */
  push(chunks: readonly Uint8Array[], fds: readonly number[]): void {
    let attached = [...this.#carried, ...fds];
    this.#carried = [];
    this.#fdCount += fds.length;
    for (const bytes of chunks) {
      if (bytes.length === 0) continue;
      this.#entries.push({ bytes, fds: attached });
      this.#size += bytes.length;
      attached = [];
    }
    this.#carried = attached;
  }

  /**
   * The next send: at most `maxBytes` bytes and `maxFds` fds, or
   * undefined when no bytes wait. Follow it with
   * {@linkcode OutputQueue.consume}.
   */
  next(maxBytes: number, maxFds: number): Batch | undefined {
    const first = this.#entries[0];
    if (!first) return undefined;
    if (first.fds.length > maxFds) {
      return {
        bytes: first.bytes.subarray(0, 1),
        fds: first.fds.slice(0, maxFds),
      };
    }
    const parts: Uint8Array[] = [];
    const fds: number[] = [];
    let total = 0;
    for (const entry of this.#entries) {
      if (total + entry.bytes.length > maxBytes) {
        if (parts.length === 0) {
          parts.push(entry.bytes.subarray(0, maxBytes));
          fds.push(...entry.fds);
        }
        break;
      }
      if (fds.length + entry.fds.length > maxFds) break;
      parts.push(entry.bytes);
      fds.push(...entry.fds);
      total += entry.bytes.length;
    }
    return { bytes: parts.length === 1 ? parts[0] : concatBytes(parts), fds };
  }

  /**
   * Drops what a send took: the batch's fds (all of them went, with its
   * first byte) and the first `byteCount` bytes.
   */
  consume(byteCount: number, fdCount: number): void {
    this.#fdCount -= fdCount;
    for (let left = fdCount, i = 0; left > 0; i++) {
      const taken = Math.min(left, this.#entries[i].fds.length);
      this.#entries[i].fds.splice(0, taken);
      left -= taken;
    }
    this.#size -= byteCount;
    let left = byteCount;
    while (left > 0) {
      const first = this.#entries[0];
      if (left < first.bytes.length) {
        first.bytes = first.bytes.subarray(left);
        break;
      }
      left -= first.bytes.length;
      this.#entries.shift();
      // Its bytes went before all its fds could: the rest go with the next.
      if (first.fds.length > 0) {
        const next = this.#entries[0];
        if (next) next.fds.unshift(...first.fds);
        else this.#carried.unshift(...first.fds);
      }
    }
  }

  /** Empties the queue; returns the fds it held, for closing. */
  clear(): number[] {
    const fds = [
      ...this.#entries.flatMap((entry) => entry.fds),
      ...this.#carried,
    ];
    this.#entries = [];
    this.#carried = [];
    this.#size = 0;
    this.#fdCount = 0;
    return fds;
  }
}
