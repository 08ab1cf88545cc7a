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

  /** The available index published last. */
  get availableIndex(): number {
    return this.#availableIndex;
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

/** Counts reads of guest memory that fall in [start, end) of host addresses. */
export function countingRawMemory(
  raw: RawMemory,
  start: bigint,
  end: bigint,
): RawMemory & { reads: number } {
  const counting = {
    reads: 0,
    read(address: bigint, into: Uint8Array) {
      if (address >= start && address < end) counting.reads++;
      raw.read(address, into);
    },
    write: (address: bigint, bytes: Uint8Array) => raw.write(address, bytes),
  };
  return counting;
}

const TX_RING = 0x10000n;
const RX_RING = 0x14000n;
const TX_BUFFERS = 0x20000n;
const RX_BUFFERS = 0x40000n;
/** Bytes per tx buffer (header and payload). */
const TX_SLOT = 128;

/**
 * A guest's vsock tx and rx rings in fake memory, filled as a driver
 * would: one descriptor per buffer, descriptors reused in ring order once
 * the device has returned them.
 */
export class FakeVsockGuest {
  readonly memory: GuestMemory;
  readonly tx: DriverRing;
  readonly rx: DriverRing;
  readonly #size: number;
  #txOffered = 0;
  #rxOffered = 0;
  #rxSeen = 0;

  /** Rings of `size` (up to 256) descriptors each over `memory`. */
  constructor(size = 128, memory = fakeGuestMemory().memory) {
    this.memory = memory;
    this.#size = size;
    this.tx = new DriverRing(memory, TX_RING, size);
    this.rx = new DriverRing(memory, RX_RING, size);
  }

  /** Sends `packet` (header bytes and payload) if a tx buffer is free. */
  send(packet: Uint8Array): boolean {
    if (this.txPending >= this.#size) return false;
    if (packet.length > TX_SLOT) throw new Error("packet over TX_SLOT");
    const index = this.#txOffered % this.#size;
    const address = TX_BUFFERS + BigInt(index * TX_SLOT);
    this.memory.write(address, packet);
    this.tx.setDescriptor(index, { address, length: packet.length, flags: 0 });
    this.tx.offer(index);
    this.#txOffered++;
    return true;
  }

  /** Tx packets the device has not taken yet. */
  get txPending(): number {
    return (this.#txOffered - this.tx.usedIndex()) & 0xffff;
  }

  /** Posts an rx buffer of `length` (up to 1024) bytes if one is free. */
  postRx(length = 1024): boolean {
    if (this.#rxOffered - this.#rxSeen >= this.#size) return false;
    const index = this.#rxOffered % this.#size;
    this.rx.setDescriptor(index, {
      address: RX_BUFFERS + BigInt(index * 1024),
      length,
      flags: 2, // VIRTQ_DESC_F_WRITE
    });
    this.rx.offer(index);
    this.#rxOffered++;
    return true;
  }

  /** What the device wrote into rx buffers since the last call. */
  received(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (; (this.#rxSeen & 0xffff) !== this.rx.usedIndex(); this.#rxSeen++) {
      const { id, length } = this.rx.usedElement(this.#rxSeen % this.#size);
      const bytes = new Uint8Array(length);
      this.memory.read(RX_BUFFERS + BigInt(id * 1024), bytes);
      out.push(bytes);
    }
    return out;
  }
}
