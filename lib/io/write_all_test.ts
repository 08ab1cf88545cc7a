import assert from "node:assert/strict";
import { writeAll, writeAllSync } from "./write_all.ts";
import { closeQuietly } from "./close_quietly.ts";
import { concatBytes } from "./concat_bytes.ts";

/** A writer that takes at most `step` bytes a call. */
function tricklingSink(step: number) {
  const taken: number[] = [];
  return {
    taken,
    write: (bytes: Uint8Array) => Promise.resolve(take(bytes)),
    writeSync: (bytes: Uint8Array) => take(bytes),
  };
  function take(bytes: Uint8Array): number {
    const count = Math.min(step, bytes.length);
    taken.push(...bytes.subarray(0, count));
    return count;
  }
}

Deno.test("writeAll keeps writing until the writer took every byte", async () => {
  const sink = tricklingSink(3);
  await writeAll(sink, Uint8Array.of(1, 2, 3, 4, 5, 6, 7));
  assert.deepEqual(sink.taken, [1, 2, 3, 4, 5, 6, 7]);
});

Deno.test("writeAllSync keeps writing until the writer took every byte", () => {
  const sink = tricklingSink(2);
  writeAllSync(sink, Uint8Array.of(9, 8, 7, 6, 5));
  assert.deepEqual(sink.taken, [9, 8, 7, 6, 5]);
});

Deno.test("closeQuietly closes once and ignores a second close", () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  closeQuietly(listener);
  closeQuietly(listener);
});

Deno.test("concatBytes joins parts in order, empty ones included", () => {
  assert.deepEqual(
    [...concatBytes([
      Uint8Array.of(1),
      new Uint8Array(0),
      Uint8Array.of(2, 3),
    ])],
    [1, 2, 3],
  );
  assert.equal(concatBytes([]).length, 0);
});
