import assert from "node:assert/strict";
import { OutputQueue } from "./output_queue.ts";

function bytes(...values: number[]): Uint8Array {
  return new Uint8Array(values);
}

Deno.test("output queue: chunks go out together, fds with the first byte", () => {
  const queue = new OutputQueue();
  queue.push([bytes(1, 2), bytes(3)], [10]);
  queue.push([bytes(4, 5, 6)], [11, 12]);
  assert.equal(queue.size, 6);
  assert.equal(queue.fdCount, 3);
  const batch = queue.next(1024, 28)!;
  assert.deepEqual(batch.bytes, bytes(1, 2, 3, 4, 5, 6));
  assert.deepEqual(batch.fds, [10, 11, 12]);
  // A short send: every fd went, the unsent bytes stay, without fds.
  queue.consume(2, 3);
  assert.equal(queue.size, 4);
  assert.equal(queue.fdCount, 0);
  const rest = queue.next(1024, 28)!;
  assert.deepEqual(rest.bytes, bytes(3, 4, 5, 6));
  assert.deepEqual(rest.fds, []);
  queue.consume(4, 0);
  assert.equal(queue.size, 0);
  assert.equal(queue.next(1024, 28), undefined);
});

Deno.test("output queue: a batch holds at most maxBytes and maxFds", () => {
  const queue = new OutputQueue();
  queue.push([new Uint8Array(6)], [1]);
  queue.push([new Uint8Array(6)], [2]);
  queue.push([new Uint8Array(2)], [3, 4]);
  // Whole chunks only: the second does not fit beside the first.
  assert.deepEqual(queue.next(10, 28), { bytes: new Uint8Array(6), fds: [1] });
  // A first chunk larger than a send goes in part, with its fds.
  assert.deepEqual(queue.next(4, 28), { bytes: new Uint8Array(4), fds: [1] });
  // The fd limit stops a batch before a chunk whose fds would overflow it.
  queue.consume(6, 1);
  assert.deepEqual(queue.next(100, 2), { bytes: new Uint8Array(6), fds: [2] });
});

Deno.test("output queue: a chunk with more fds than a send holds goes a byte per group", () => {
  const queue = new OutputQueue();
  const fds = Array.from({ length: 60 }, (_, i) => 100 + i);
  queue.push([bytes(1, 2, 3, 4, 5, 6, 7, 8)], fds);
  const sent: number[][] = [];
  const data: number[] = [];
  for (let batch = queue.next(64, 28); batch; batch = queue.next(64, 28)) {
    sent.push([...batch.fds]);
    data.push(...batch.bytes);
    queue.consume(batch.bytes.length, batch.fds.length);
  }
  assert.deepEqual(sent.map((group) => group.length), [28, 28, 4]);
  assert.deepEqual(sent.flat(), fds);
  assert.deepEqual(data, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(queue.fdCount, 0);
});

Deno.test("output queue: fds of a one-byte chunk that outran them go with the next bytes", () => {
  const queue = new OutputQueue();
  const fds = Array.from({ length: 30 }, (_, i) => i);
  queue.push([bytes(1)], fds);
  queue.push([bytes(2)], []);
  const first = queue.next(64, 28)!;
  assert.deepEqual(first.bytes, bytes(1));
  queue.consume(1, 28);
  assert.deepEqual(queue.next(64, 28), { bytes: bytes(2), fds: [28, 29] });
});

Deno.test("output queue: fds without bytes wait for the next bytes; clear returns every fd", () => {
  const queue = new OutputQueue();
  queue.push([], [7]);
  assert.equal(queue.next(64, 28), undefined);
  assert.equal(queue.fdCount, 1);
  queue.push([bytes(9)], [8]);
  assert.deepEqual(queue.next(64, 28), { bytes: bytes(9), fds: [7, 8] });
  queue.push([], [5]);
  assert.deepEqual(queue.clear().sort(), [5, 7, 8]);
  assert.equal(queue.size, 0);
  assert.equal(queue.fdCount, 0);
});
