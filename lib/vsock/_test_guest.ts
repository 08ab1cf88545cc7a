/**
 * Test doubles for lib/vsock: guest memory backed by a plain buffer, and
 * the driver's side of a split virtqueue (what a guest kernel would write).
 *
 * @module
 */
import { GuestMemory, type RawMemory } from "./guest_memory.ts";
import type { QueueLayout } from "./split_virtqueue.ts";

/** Where the fake buffer pretends to be mapped in this process. */
export const FAKE_HOST_BASE = 0x7f00_0000_0000n;

/** `size` bytes of buffer as mapped memory at {@linkcode FAKE_HOST_BASE}. */
export function fakeRawMemory(size: number): RawMemory & { bytes: Uint8Array } {
  const bytes = new Uint8Array(size);
  const offset = (address: bigint, length: number) => {
    const at = Number(address - FAKE_HOST_BASE);
    if (at < 0 || at + length > size) {
      throw new Error(`fake memory access at ${at}+${length} out of range`);
    }
    return at;
  };
  return {
    bytes,
    read(address, into) {
      const at = offset(address, into.length);
      into.set(bytes.subarray(at, at + into.length));
    },
    write(address, data) {
      bytes.set(data, offset(address, data.length));
    },
  };
}

/**
 * One region of `size` bytes of guest RAM at guest physical 0x10000, whose
 * QEMU address is 0x5555_0000_0000.
 */
export function fakeGuestMemory(size = 1 << 20) {
  const raw = fakeRawMemory(size);
  const memory = new GuestMemory([{
    guestAddress: 0x10000n,
    size: BigInt(size),
    userAddress: 0x5555_0000_0000n,
    hostAddress: FAKE_HOST_BASE,
  }], raw);
  return { raw, memory };
}

/** A descriptor as the driver writes it. */
export interface DriverDescriptor {
  address: bigint;
  length: number;
  flags: number;
  next?: number;
}

/** The driver (guest) side of a split ring in fake guest memory. */
export class DriverRing {
  readonly layout: QueueLayout;
  readonly #memory: GuestMemory;
  #availableIndex = 0;

  /** A ring of `size` at guest address `base` (descriptors, avail, used). */
  constructor(memory: GuestMemory, base: bigint, size: number) {
    this.#memory = memory;
    this.layout = {
      size,
      descriptors: base,
      available: base + BigInt(16 * size),
      used: base + BigInt(16 * size + 4 + 2 * size + 2 + 6),
    };
  }

  /** Writes descriptor `index`. */
  setDescriptor(index: number, descriptor: DriverDescriptor): void {
    const bytes = new Uint8Array(16);
    const view = new DataView(bytes.buffer);
    view.setBigUint64(0, descriptor.address, true);
    view.setUint32(8, descriptor.length, true);
    view.setUint16(12, descriptor.flags, true);
    view.setUint16(14, descriptor.next ?? 0, true);
    this.#memory.write(this.layout.descriptors + BigInt(16 * index), bytes);
  }

  /** Offers chain `head` and publishes the new available index. */
  offer(head: number): void {
    const slot = this.#availableIndex % this.layout.size;
    this.#writeU16(this.layout.available + 4n + BigInt(2 * slot), head);
    this.#availableIndex = (this.#availableIndex + 1) & 0xffff;
    this.#writeU16(this.layout.available + 2n, this.#availableIndex);
  }

  /** Overwrites the available index (for malformed-ring tests). */
  setAvailableIndex(value: number): void {
    this.#availableIndex = value;
    this.#writeU16(this.layout.available + 2n, value);
  }

  /** The used index the device published. */
  usedIndex(): number {
    return this.#readU32(this.layout.used) >>> 16;
  }

  /** Used element `slot`: chain head and length written. */
  usedElement(slot: number): { id: number; length: number } {
    const at = this.layout.used + 4n + BigInt(8 * slot);
    return { id: this.#readU32(at), length: this.#readU32(at + 4n) };
  }

  #writeU16(address: bigint, value: number): void {
    const bytes = new Uint8Array(2);
    new DataView(bytes.buffer).setUint16(0, value, true);
    this.#memory.write(address, bytes);
  }

  #readU32(address: bigint): number {
    const bytes = new Uint8Array(4);
    this.#memory.read(address, bytes);
    return new DataView(bytes.buffer).getUint32(0, true);
  }
}
