import assert from "node:assert/strict";
import { coalesced } from "./coalesced.ts";

/** A read whose runs the test ends one by one. */
function controlledRead() {
  const runs: { finish(value: number): void; fail(error: Error): void }[] = [];
  const read = () =>
    new Promise<number>((resolve, reject) =>
      runs.push({ finish: resolve, fail: reject })
    );
  return { runs, read };
}

Deno.test("coalesced: callers during a read share the next one, started after it", async () => {
  const { runs, read } = controlledRead();
  const shared = coalesced(read);
  const first = shared();
  const waiting = Array.from({ length: 100 }, () => shared());
  assert.equal(runs.length, 1, "only one read runs at a time");
  runs[0].finish(1);
  assert.equal(await first, 1);
  assert.equal(runs.length, 2, "the waiting callers' read started");
  runs[1].finish(2);
  assert.deepEqual(new Set(await Promise.all(waiting)), new Set([2]));
  const later = shared();
  assert.equal(runs.length, 3, "a caller after both starts its own");
  runs[2].finish(3);
  assert.equal(await later, 3);
});

Deno.test("coalesced: a failed read fails its callers only", async () => {
  const { runs, read } = controlledRead();
  const shared = coalesced(read);
  const first = shared();
  const second = shared();
  runs[0].fail(new Error("gone"));
  await assert.rejects(first, /gone/);
  assert.equal(runs.length, 2);
  runs[1].finish(7);
  assert.equal(await second, 7);
});
