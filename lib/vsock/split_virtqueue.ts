/**
 * The device side of a split virtqueue (virtio 1.x, section 2.7): the
 * driver offers descriptor chains through the available ring, the device
 * hands them back through the used ring. All three parts live in guest
 * memory, written by an untrusted guest, so every index, length and chain
 * is bounded before use.
 *
 * Layouts (little endian): descriptor = addr u64, len u32, flags u16,
 * next u16 (16 bytes); available = flags u16, idx u16, ring[size] u16;
 * used = flags u16, idx u16, ring[size] of { id u32, len u32 }.
 *
 * @module
 */

import type { GuestMemory } from "./guest_memory.ts";
import { QubesifyError } from "../errors/mod.ts";

/** Descriptor flag: the chain continues at `next`. */
export const VIRTQ_DESC_F_NEXT = 1;
/** Descriptor flag: the device writes this buffer (else it reads it). */
export const VIRTQ_DESC_F_WRITE = 2;
/** Descriptor flag: the buffer is a table of descriptors. */
export const VIRTQ_DESC_F_INDIRECT = 4;
/** Largest queue size virtio allows. */
export const VIRTQ_MAX_SIZE = 32768;
/** Largest total length of one chain this device accepts. */
export const MAX_CHAIN_BYTES = 1 << 24;
/**
 * Most descriptors in one chain this device walks. Linux's vsock driver
 * uses one per rx buffer and at most 1 + MAX_SKB_FRAGS (46) per tx
 * packet; a longer chain costs reads for nothing, so it breaks the queue
 * as a loop does.
 */
export const MAX_CHAIN_SEGMENTS = 64;

/** A piece of guest memory a descriptor points at. */
export interface Segment {
  /** Guest physical address. */
  readonly address: bigint;
  /** Length in bytes. */
  readonly length: number;
}

/** A descriptor chain taken from the available ring. */
export interface Chain {
  /** Index of its head descriptor: what goes back into the used ring. */
  readonly head: number;
  /** Buffers the device reads, in order. */
  readonly readable: readonly Segment[];
  /** Buffers the device writes, in order. */
  readonly writable: readonly Segment[];
}

/** Where the queue's parts are (guest physical addresses) and its size. */
export interface QueueLayout {
  /** Number of descriptors, a power of two up to 32768. */
  readonly size: number;
  /** Descriptor table. */
  readonly descriptors: bigint;
  /** Available ring. */
  readonly available: bigint;
  /** Used ring. */
  readonly used: bigint;
}

/** A malformed chain or ring: the guest broke the virtio contract. */
export class VirtqueueError extends QubesifyError {
  /** Describes what the guest got wrong. */
  constructor(message: string) {
    super(message);
  }
}

/** Device side of one split virtqueue. */
export class SplitVirtqueue {
  readonly #memory: GuestMemory;
  readonly #layout: QueueLayout;
  #lastAvailable: number;
  #usedIndex: number;
  readonly #u16 = new Uint8Array(2);
  readonly #u16View = new DataView(this.#u16.buffer);
  readonly #descriptor = new Uint8Array(16);
  readonly #descriptorView = new DataView(this.#descriptor.buffer);
  readonly #usedElement = new Uint8Array(8);
  readonly #usedElementView = new DataView(this.#usedElement.buffer);

  /**
   * A queue over `memory` laid out as `layout`, continuing from
   * `lastAvailable` (SET_VRING_BASE; the used index starts there too).
   */
  constructor(memory: GuestMemory, layout: QueueLayout, lastAvailable = 0) {
    const size = layout.size;
    if (
      !Number.isInteger(size) || size < 1 || size > VIRTQ_MAX_SIZE ||
      (size & (size - 1)) !== 0
    ) {
      throw new VirtqueueError(
        `queue size must be a power of two up to ${VIRTQ_MAX_SIZE}, got ${size}`,
      );
    }
    this.#memory = memory;
    this.#layout = layout;
    this.#lastAvailable = lastAvailable & 0xffff;
    this.#usedIndex = lastAvailable & 0xffff;
  }

  /** The next available index to take (GET_VRING_BASE answers it). */
  get lastAvailable(): number {
    return this.#lastAvailable;
  }

  #readU16(address: bigint): number {
    this.#memory.read(address, this.#u16);
    return this.#u16View.getUint16(0, true);
  }

  /** Whether the driver has offered chains not yet taken. */
  hasAvailable(): boolean {
    return this.#readU16(this.#layout.available + 2n) !== this.#lastAvailable;
  }

  /**
   * Takes the next offered chain, or undefined when there is none. A
   * malformed ring or chain throws {@linkcode VirtqueueError}: the guest
   * broke the contract and the queue cannot be trusted any more (virtio's
   * answer is DEVICE_NEEDS_RESET; the backend stops serving the device).
   */
  pop(): Chain | undefined {
    const { size } = this.#layout;
    const availableIndex = this.#readU16(this.#layout.available + 2n);
    const pending = (availableIndex - this.#lastAvailable) & 0xffff;
    if (pending === 0) return undefined;
    if (pending > size) {
      throw new VirtqueueError(
        `available index ${availableIndex} is ${pending} ahead of ${this.#lastAvailable} in a queue of ${size}`,
      );
    }
    const slot = this.#lastAvailable % size;
    const head = this.#readU16(this.#layout.available + 4n + BigInt(slot * 2));
    this.#lastAvailable = (this.#lastAvailable + 1) & 0xffff;
    return this.#walk(head);
  }

  /** Gives back the chain {@linkcode SplitVirtqueue.pop} took last, unused. */
  unpop(): void {
    this.#lastAvailable = (this.#lastAvailable - 1) & 0xffff;
  }

  #walk(head: number): Chain {
    const { size } = this.#layout;
    if (head >= size) {
      throw new VirtqueueError(`chain head ${head} outside a queue of ${size}`);
    }
    const readable: Segment[] = [];
    const writable: Segment[] = [];
    let index = head;
    let total = 0;
    for (let count = 0;; count++) {
      if (count >= size) {
        throw new VirtqueueError(`descriptor chain from ${head} loops`);
      }
      if (count >= MAX_CHAIN_SEGMENTS) {
        throw new VirtqueueError(
          `descriptor chain from ${head} has over ${MAX_CHAIN_SEGMENTS} descriptors`,
        );
      }
      this.#memory.read(
        this.#layout.descriptors + BigInt(index * 16),
        this.#descriptor,
      );
      const view = this.#descriptorView;
      const address = view.getBigUint64(0, true);
      const length = view.getUint32(8, true);
      const flags = view.getUint16(12, true);
      const next = view.getUint16(14, true);
      if (flags & VIRTQ_DESC_F_INDIRECT) {
        throw new VirtqueueError(
          `indirect descriptor ${index}: not negotiated`,
        );
      }
      total += length;
      if (total > MAX_CHAIN_BYTES) {
        throw new VirtqueueError(
          `descriptor chain from ${head} is over ${MAX_CHAIN_BYTES} bytes`,
        );
      }
      if (flags & VIRTQ_DESC_F_WRITE) {
        writable.push({ address, length });
      } else {
        if (writable.length > 0) {
          throw new VirtqueueError(
            `descriptor ${index}: readable after writable`,
          );
        }
        readable.push({ address, length });
      }
      if (!(flags & VIRTQ_DESC_F_NEXT)) break;
      if (next >= size) {
        throw new VirtqueueError(`descriptor ${index} continues at ${next}`);
      }
      index = next;
    }
    return { head, readable, writable };
  }

  /**
   * Returns chain `head` to the driver with `written` bytes written to its
   * writable part: the element first, then the index the driver polls.
   */
  push(head: number, written: number): void {
    const { size } = this.#layout;
    const slot = this.#usedIndex % size;
    this.#usedElementView.setUint32(0, head, true);
    this.#usedElementView.setUint32(4, written, true);
    this.#memory.write(
      this.#layout.used + 4n + BigInt(slot * 8),
      this.#usedElement,
    );
    this.#usedIndex = (this.#usedIndex + 1) & 0xffff;
    this.#u16View.setUint16(0, this.#usedIndex, true);
    this.#memory.write(this.#layout.used + 2n, this.#u16);
  }
}

/** Total length of `segments`. */
export function segmentsLength(segments: readonly Segment[]): number {
  return segments.reduce((sum, segment) => sum + segment.length, 0);
}

/**
 * Copies up to `into.length` bytes starting `skip` bytes into `segments`
 * out of guest memory; returns how many were copied.
 */
export function readSegments(
  memory: GuestMemory,
  segments: readonly Segment[],
  skip: number,
  into: Uint8Array,
): number {
  return eachSpan(
    segments,
    skip,
    into.length,
    (address, start, end) => memory.read(address, into.subarray(start, end)),
  );
}

/**
 * Copies `bytes` into `segments` starting `skip` bytes in; returns how
 * many fitted.
 */
export function writeSegments(
  memory: GuestMemory,
  segments: readonly Segment[],
  skip: number,
  bytes: Uint8Array,
): number {
  return eachSpan(
    segments,
    skip,
    bytes.length,
    (address, start, end) => memory.write(address, bytes.subarray(start, end)),
  );
}

/**
 * Walks `segments` from `skip` bytes in for at most `length` bytes, giving
 * `visit` each piece's guest address and its range in the caller's
 * buffer; returns how many bytes the segments held.
 */
function eachSpan(
  segments: readonly Segment[],
  skip: number,
  length: number,
  visit: (address: bigint, start: number, end: number) => void,
): number {
  let done = 0;
  let offset = skip;
  for (const segment of segments) {
    if (done === length) break;
    if (offset >= segment.length) {
      offset -= segment.length;
      continue;
    }
    const take = Math.min(segment.length - offset, length - done);
    visit(segment.address + BigInt(offset), done, done + take);
    done += take;
    offset = 0;
  }
  return done;
}
