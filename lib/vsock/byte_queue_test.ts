import assert from "node:assert/strict";
import { ByteQueue } from "./byte_queue.ts";

Deno.test("byte queue: takes across chunks in order and keeps its size", () => {
  const queue = new ByteQueue();
  queue.push(Uint8Array.of(1, 2, 3));
  queue.push(new Uint8Array(0));
  queue.push(Uint8Array.of(4, 5));
  assert.equal(queue.size, 5);
  assert.deepEqual([...queue.take(2)], [1, 2]);
  assert.deepEqual([...queue.take(2)], [3, 4], "a copy across two chunks");
  assert.equal(queue.size, 1);
  assert.deepEqual([...queue.peek()!], [5]);
  queue.consume(1);
  assert.equal(queue.peek(), undefined);
  assert.equal(queue.size, 0);
});

Deno.test("byte queue: a short write consumes part of the first chunk", () => {
  const queue = new ByteQueue();
  queue.push(Uint8Array.of(1, 2, 3));
  queue.consume(1);
  assert.deepEqual([...queue.peek()!], [2, 3]);
  assert.equal(queue.size, 2);
  queue.clear();
  assert.equal(queue.size, 0);
  assert.equal(queue.peek(), undefined);
});
