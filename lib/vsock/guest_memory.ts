/**
 * Guest memory as the backend sees it: the regions of QEMU's memory table,
 * each mapped into this process, and copies in and out by guest physical
 * address. Every address and length comes from the guest or QEMU, so every
 * access is checked against the regions before any byte moves.
 *
 * The copying itself is behind {@linkcode RawMemory}: memcpy through FFI
 * in the backend, a plain buffer in tests.
 *
 * @module
 */
import { QubesifyError } from "../errors/mod.ts";

/** Copies between JS buffers and mapped addresses of this process. */
export interface RawMemory {
  /** Fills `into` from `address`. */
  read(address: bigint, into: Uint8Array): void;
  /** Copies `bytes` to `address`. */
  write(address: bigint, bytes: Uint8Array): void;
}

/** One region of guest memory and where it is mapped here. */
export interface GuestRegion {
  /** Guest physical address of its first byte. */
  readonly guestAddress: bigint;
  /** Length in bytes. */
  readonly size: bigint;
  /** Its address in QEMU's process (vring addresses are given in these). */
  readonly userAddress: bigint;
  /** Its address in this process. */
  readonly hostAddress: bigint;
}

/** An access outside guest memory: a bad descriptor or vring address. */
export class GuestMemoryError extends QubesifyError {
  /** Describes the access that fell outside every region. */
  constructor(message: string) {
    super(message);
  }
}

/** Guest memory: address translation and checked copies. */
export class GuestMemory {
  readonly #regions: readonly GuestRegion[];
  readonly #raw: RawMemory;

  /** Memory made of `regions`, copied through `raw`. */
  constructor(regions: readonly GuestRegion[], raw: RawMemory) {
    this.#regions = regions;
    this.#raw = raw;
  }

  /** The regions, as given. */
  get regions(): readonly GuestRegion[] {
    return this.#regions;
  }

  /**
   * The guest physical address of QEMU's `userAddress` (vring addresses
   * arrive that way); throws when no region holds it.
   */
  guestAddressOfUser(userAddress: bigint): bigint {
    for (const region of this.#regions) {
      if (
        userAddress >= region.userAddress &&
        userAddress < region.userAddress + region.size
      ) {
        return region.guestAddress + (userAddress - region.userAddress);
      }
    }
    throw new GuestMemoryError(
      `QEMU address 0x${userAddress.toString(16)} is in no memory region`,
    );
  }

  /**
   * Calls `each` with the host address and length of every piece of the
   * guest range [address, address+length), which may cross regions that
   * are adjacent in guest physical space; throws before any call when part
   * of the range is outside guest memory.
   */
  #pieces(
    address: bigint,
    length: number,
    each: (hostAddress: bigint, offset: number, length: number) => void,
  ): void {
    const pieces: [bigint, number, number][] = [];
    let at = address;
    let done = 0;
    while (done < length) {
      const region = this.#regions.find((r) =>
        at >= r.guestAddress && at < r.guestAddress + r.size
      );
      if (!region) {
        throw new GuestMemoryError(
          `guest range 0x${
            address.toString(16)
          }+${length} leaves guest memory at 0x${at.toString(16)}`,
        );
      }
      const available = region.guestAddress + region.size - at;
      const take = Number(
        available < BigInt(length - done) ? available : BigInt(length - done),
      );
      pieces.push([
        region.hostAddress + (at - region.guestAddress),
        done,
        take,
      ]);
      done += take;
      at += BigInt(take);
    }
    for (const [host, offset, take] of pieces) each(host, offset, take);
  }

  /** Fills `into` from guest physical `address`. */
  read(address: bigint, into: Uint8Array): void {
    this.#pieces(address, into.length, (host, offset, length) => {
      this.#raw.read(host, into.subarray(offset, offset + length));
    });
  }

  /** Copies `bytes` to guest physical `address`. */
  write(address: bigint, bytes: Uint8Array): void {
    this.#pieces(address, bytes.length, (host, offset, length) => {
      this.#raw.write(host, bytes.subarray(offset, offset + length));
    });
  }
}
