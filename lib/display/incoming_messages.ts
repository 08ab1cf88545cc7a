/**
 * One direction of a guarded connection as it arrives: bytes in any split
 * and the fds that came with them, cut into whole Wayland messages. What
 * waits for the rest of a message is at most one message long, and the fds
 * that wait for their messages are bounded too.
 *
 * @module
 */
import { QubesifyError } from "../errors/mod.ts";
import { HEADER_SIZE, MAX_FDS_PER_MESSAGE, readHeader } from "./wire.ts";
import { concatBytes } from "../io/mod.ts";

/** The most fds waiting for messages that have not arrived. */
export const MAX_QUEUED_FDS = 4 * MAX_FDS_PER_MESSAGE;

/** More fds than messages could use. */
export class FdFloodError extends QubesifyError {}

const EMPTY = new Uint8Array(0);

/** Bytes and fds of one direction, until whole messages are taken. */
export class IncomingMessages {
  #bytes: Uint8Array = EMPTY;
  /** fds received and not yet taken by a message (decodeArgs shifts them). */
  readonly fds: number[] = [];

  /** Adds what arrived; throws {@linkcode FdFloodError} past the bound. */
  push(bytes: Uint8Array, fds: readonly number[]): void {
    this.#bytes = this.#bytes.length
      ? concatBytes([this.#bytes, bytes])
      : bytes;
    this.fds.push(...fds);
    if (this.fds.length > MAX_QUEUED_FDS) {
      throw new FdFloodError(
        `more than ${MAX_QUEUED_FDS} fds without messages`,
      );
    }
  }

  /**
   * Hands each whole message (header, body) to `handle`, while `more()`
   * says so; keeps the rest. A bad header throws (WireError).
   */
  take(
    handle: (
      header: { objectId: number; opcode: number },
      body: Uint8Array,
    ) => void,
    more: () => boolean,
  ): void {
    let offset = 0;
    try {
      for (;;) {
        const header = readHeader(this.#bytes, offset);
        if (!header || offset + header.size > this.#bytes.length) break;
        handle(
          header,
          this.#bytes.subarray(offset + HEADER_SIZE, offset + header.size),
        );
        offset += header.size;
        if (!more()) break;
      }
    } finally {
      this.#bytes = offset === this.#bytes.length
        ? EMPTY
        : this.#bytes.slice(offset);
    }
  }
}
