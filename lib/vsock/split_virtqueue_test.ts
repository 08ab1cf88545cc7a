import assert from "node:assert/strict";
import {
  readSegments,
  SplitVirtqueue,
  VIRTQ_DESC_F_INDIRECT,
  VIRTQ_DESC_F_NEXT,
  VIRTQ_DESC_F_WRITE,
  VirtqueueError,
  writeSegments,
} from "./split_virtqueue.ts";
import { DriverRing, fakeGuestMemory } from "./_test_guest.ts";

const RING = 0x10000n;
const BUFFERS = 0x20000n;

Deno.test("split virtqueue: chains in offer order, readable then writable, used ring filled", () => {
  const { memory } = fakeGuestMemory();
  const driver = new DriverRing(memory, RING, 8);
  // Chain 3 → 5 → 1: two readable, one writable.
  driver.setDescriptor(3, {
    address: BUFFERS,
    length: 4,
    flags: VIRTQ_DESC_F_NEXT,
    next: 5,
  });
  driver.setDescriptor(5, {
    address: BUFFERS + 0x100n,
    length: 3,
    flags: VIRTQ_DESC_F_NEXT,
    next: 1,
  });
  driver.setDescriptor(1, {
    address: BUFFERS + 0x200n,
    length: 16,
    flags: VIRTQ_DESC_F_WRITE,
  });
  driver.setDescriptor(0, { address: BUFFERS + 0x300n, length: 2, flags: 0 });
  memory.write(BUFFERS, new Uint8Array([1, 2, 3, 4]));
  memory.write(BUFFERS + 0x100n, new Uint8Array([5, 6, 7]));
  driver.offer(3);
  driver.offer(0);

  const queue = new SplitVirtqueue(memory, driver.layout);
  assert.ok(queue.hasAvailable());
  const chain = queue.pop();
  assert.deepEqual(chain, {
    head: 3,
    readable: [
      { address: BUFFERS, length: 4 },
      { address: BUFFERS + 0x100n, length: 3 },
    ],
    writable: [{ address: BUFFERS + 0x200n, length: 16 }],
  });
  // A read across segments, skipping into the first.
  const into = new Uint8Array(5);
  assert.equal(readSegments(memory, chain.readable, 2, into), 5);
  assert.deepEqual(into, new Uint8Array([3, 4, 5, 6, 7]));
  assert.equal(
    writeSegments(memory, chain.writable, 14, new Uint8Array([9, 9, 9])),
    2,
    "only what fits",
  );
  queue.push(chain.head, 16);
  assert.equal(driver.usedIndex(), 1);
  assert.deepEqual(driver.usedElement(0), { id: 3, length: 16 });

  assert.equal(queue.pop()?.head, 0);
  queue.unpop();
  assert.equal(queue.pop()?.head, 0, "given back, taken again");
  assert.equal(queue.pop(), undefined);
  assert.equal(queue.hasAvailable(), false);
  assert.equal(queue.lastAvailable, 2);
});

Deno.test("split virtqueue: indexes wrap at 2^16 and continue from a base", () => {
  const { memory } = fakeGuestMemory();
  const driver = new DriverRing(memory, RING, 4);
  driver.setDescriptor(2, { address: BUFFERS, length: 1, flags: 0 });
  driver.setAvailableIndex(0xffff);
  const queue = new SplitVirtqueue(memory, driver.layout, 0xffff);
  driver.offer(2); // slot 0xffff % 4 = 3, index wraps to 0
  assert.equal(queue.pop()?.head, 2);
  queue.push(2, 0);
  assert.equal(driver.usedIndex(), 0);
  assert.deepEqual(driver.usedElement(3), { id: 2, length: 0 });
});

Deno.test("split virtqueue: a guest's malformed rings are refused", async (t) => {
  const cases: [string, (d: DriverRing) => void, RegExp][] = [
    ["loop", (d) => {
      d.setDescriptor(0, { address: BUFFERS, length: 1, flags: 1, next: 1 });
      d.setDescriptor(1, { address: BUFFERS, length: 1, flags: 1, next: 0 });
      d.offer(0);
    }, /loops/],
    ["next out of range", (d) => {
      d.setDescriptor(0, { address: BUFFERS, length: 1, flags: 1, next: 9 });
      d.offer(0);
    }, /continues at 9/],
    ["head out of range", (d) => d.offer(4), /head 4 outside/],
    ["readable after writable", (d) => {
      d.setDescriptor(0, { address: BUFFERS, length: 1, flags: 3, next: 1 });
      d.setDescriptor(1, { address: BUFFERS, length: 1, flags: 0 });
      d.offer(0);
    }, /readable after writable/],
    ["indirect not negotiated", (d) => {
      d.setDescriptor(0, {
        address: BUFFERS,
        length: 16,
        flags: VIRTQ_DESC_F_INDIRECT,
      });
      d.offer(0);
    }, /indirect/],
    ["huge chain", (d) => {
      d.setDescriptor(0, { address: BUFFERS, length: 0xffff_ffff, flags: 0 });
      d.offer(0);
    }, /over \d+ bytes/],
    ["available index far ahead", (d) => d.setAvailableIndex(9), /ahead/],
  ];
  for (const [name, setUp, message] of cases) {
    await t.step(name, () => {
      const { memory } = fakeGuestMemory();
      const driver = new DriverRing(memory, RING, 4);
      setUp(driver);
      const queue = new SplitVirtqueue(memory, driver.layout);
      assert.throws(
        () => queue.pop(),
        (e: unknown) => e instanceof VirtqueueError && message.test(e.message),
      );
    });
  }
  const { memory } = fakeGuestMemory();
  const layout = new DriverRing(memory, RING, 4).layout;
  assert.throws(
    () => new SplitVirtqueue(memory, { ...layout, size: 6 }),
    /power of two/,
  );
});
