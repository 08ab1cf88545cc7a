import assert from "node:assert/strict";
import { fuzzSeed, xorshift } from "../io/_test_fuzz.ts";
import { GuestMemory, GuestMemoryError } from "./guest_memory.ts";
import {
  MAX_CHAIN_BYTES,
  MAX_CHAIN_SEGMENTS,
  readSegments,
  segmentsLength,
  SplitVirtqueue,
  VirtqueueError,
} from "./split_virtqueue.ts";
import {
  countingRawMemory,
  DriverRing,
  FAKE_HOST_BASE,
  fakeGuestMemory,
} from "./_test_guest.ts";
import { NASTY } from "./_test_mutate.ts";

const POPS = 100_000;
const RING = 0x10000n;
/** Guest RAM is [0x10000, 0x110000): buffers anywhere in it, or not. */
const BUFFERS = 0x20000n;

/** A descriptor a driver might write, or a hostile one. */
function randomDescriptor(next: () => number, size: number) {
  const address = next() % 8
    ? BUFFERS + BigInt(next() % 0x8000)
    : BigInt(NASTY[next() % NASTY.length]) << BigInt(next() % 40);
  return {
    address,
    length: next() % 4 ? next() % 256 : NASTY[next() % NASTY.length],
    // Mostly the end of a chain, sometimes its middle, rarely anything.
    flags: next() % 8 ? (next() % 4 ? 0 : 1) | (next() % 2 ? 2 : 0) : next(),
    next: next() % 8 ? next() % size : next() & 0xffff,
  };
}

Deno.test("descriptor chain fuzz: a chain is bounded or refused as a VirtqueueError", () => {
  const seed = fuzzSeed();
  const next = xorshift(seed);
  const plain = fakeGuestMemory();
  // Reads of the ring: its descriptors, and for rings under 256 its
  // available ring too (two reads a pop: the index and the slot).
  const counting = countingRawMemory(
    plain.raw,
    FAKE_HOST_BASE,
    FAKE_HOST_BASE + 16n * 256n,
  );
  const memory = new GuestMemory(plain.memory.regions, counting);
  const counts = { chains: 0, refused: 0, outside: 0, empty: 0 };
  const started = performance.now();
  let driver = new DriverRing(memory, RING, 1);
  let queue = new SplitVirtqueue(memory, driver.layout);
  for (let pop = 0; pop < POPS; pop++) {
    const where = `seed ${seed}, pop ${pop}`;
    if (pop % 500 === 0) {
      // A fresh ring of another size, every descriptor random.
      const size = 1 << (next() % 9);
      driver = new DriverRing(memory, RING, size);
      for (let i = 0; i < size; i++) {
        driver.setDescriptor(i, randomDescriptor(next, size));
      }
      queue = new SplitVirtqueue(memory, driver.layout, driver.availableIndex);
    }
    const size = driver.layout.size;
    for (let writes = next() % 3; writes > 0; writes--) {
      driver.setDescriptor(next() % size, randomDescriptor(next, size));
    }
    // Offer a head (sometimes out of range, sometimes none), sometimes
    // with a wild index.
    if (next() % 8) driver.offer(next() % 8 ? next() % size : next() & 0xffff);
    if (next() % 64 === 0) driver.setAvailableIndex(next() & 0xffff);
    const before = counting.reads;
    let chain;
    try {
      chain = queue.pop();
    } catch (error) {
      assert.ok(error instanceof VirtqueueError, `${where}: threw ${error}`);
      counts.refused++;
      // A broken queue is abandoned; QEMU would set up a new one.
      queue = new SplitVirtqueue(memory, driver.layout, driver.availableIndex);
      continue;
    } finally {
      assert.ok(
        counting.reads - before <= MAX_CHAIN_SEGMENTS + 2,
        `${where}: ${counting.reads - before} descriptor reads for one chain`,
      );
    }
    if (!chain) {
      counts.empty++;
      continue;
    }
    counts.chains++;
    const segments = [...chain.readable, ...chain.writable];
    assert.ok(chain.head < size, where);
    assert.ok(segments.length >= 1, where);
    assert.ok(segments.length <= Math.min(size, MAX_CHAIN_SEGMENTS), where);
    assert.ok(segmentsLength(segments) <= MAX_CHAIN_BYTES, where);
    // Reading it back is checked against guest memory, never beyond.
    try {
      readSegments(memory, chain.readable, 0, new Uint8Array(64));
    } catch (error) {
      assert.ok(error instanceof GuestMemoryError, `${where}: threw ${error}`);
      counts.outside++;
    }
    queue.push(chain.head, next() % 64);
  }
  const seconds = (performance.now() - started) / 1000;
  assert.ok(seconds < 60, `seed ${seed}: took ${seconds.toFixed(1)} s`);
  for (const [path, count] of Object.entries(counts)) {
    assert.ok(count > POPS / 200, `seed ${seed}: ${path} only ${count} times`);
  }
});
