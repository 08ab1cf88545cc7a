/**
 * A FIFO of byte chunks that keeps its total: the buffers a vsock
 * connection holds in each direction while the other end cannot take more.
 *
 * @module
 */

/** Bytes queued in the order they came, taken from the front. */
export class ByteQueue {
  #chunks: Uint8Array[] = [];
  #size = 0;

  /** Bytes queued. */
  get size(): number {
    return this.#size;
  }

  /** Queues `bytes` (kept, not copied). */
  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#chunks.push(bytes);
    this.#size += bytes.length;
  }

  /** The first chunk, to write from without copying; undefined if empty. */
  peek(): Uint8Array | undefined {
    return this.#chunks[0];
  }

  /** Drops the first `length` bytes (at most the first chunk's). */
  consume(length: number): void {
    const first = this.#chunks[0];
    if (length >= first.length) this.#chunks.shift();
    else this.#chunks[0] = first.subarray(length);
    this.#size -= Math.min(length, first.length);
  }

  /**
   * Takes the first `length` bytes (at most {@linkcode ByteQueue.size}):
   * a view of the first chunk when it holds them all, else a copy.
   */
  take(length: number): Uint8Array {
    const first = this.#chunks[0];
    if (first.length >= length) {
      this.consume(length);
      return first.subarray(0, length);
    }
    const taken = new Uint8Array(length);
    for (let done = 0; done < length;) {
      const chunk = this.#chunks[0];
      const part = Math.min(chunk.length, length - done);
      taken.set(chunk.subarray(0, part), done);
      this.consume(part);
      done += part;
    }
    return taken;
  }

  /** Drops everything. */
  clear(): void {
    this.#chunks = [];
    this.#size = 0;
  }
}
