import assert from "node:assert/strict";
import { RepeatFolder } from "./repeat_folder.ts";

function collect(options: { windowMs?: number; maxKinds?: number } = {}) {
  const reported: [string, number][] = [];
  const folder = new RepeatFolder<string>({
    kind: (line) => line.split(" ")[0],
    report: (line, repeats) => reported.push([line, repeats]),
    ...options,
  });
  return { folder, reported };
}

Deno.test("RepeatFolder: the first of a kind at once, its repeats as one summary when the window ends", async () => {
  const { folder, reported } = collect({ windowMs: 50 });
  try {
    assert.equal(folder.add("a 1"), true);
    assert.equal(folder.add("a 2"), false);
    assert.equal(folder.add("a 3"), false);
    assert.equal(folder.add("b 1"), true, "another kind is reported at once");
    assert.deepEqual(reported, [["a 1", 0], ["b 1", 0]]);
    await new Promise((resolve) => setTimeout(resolve, 120));
    assert.deepEqual(reported.slice(2), [["a 3", 2]]);
    assert.equal(folder.add("a 4"), true, "after the window, in full again");
  } finally {
    folder.close();
  }
});

Deno.test("RepeatFolder: close reports what is folded, and nothing is folded after", () => {
  const { folder, reported } = collect();
  folder.add("a 1");
  folder.add("a 2");
  folder.close();
  assert.deepEqual(reported, [["a 1", 0], ["a 2", 1]]);
  assert.equal(folder.add("a 3"), true);
  assert.equal(folder.add("a 4"), true);
});

Deno.test("RepeatFolder: past the most kinds, entries are reported as they come", () => {
  const { folder, reported } = collect({ maxKinds: 2 });
  for (const line of ["a 1", "b 1", "c 1", "c 2", "a 2"]) folder.add(line);
  folder.close();
  assert.deepEqual(reported, [
    ["a 1", 0],
    ["b 1", 0],
    ["c 1", 0],
    ["c 2", 0],
    ["a 2", 1],
  ]);
});

Deno.test("RepeatFolder: merge combines the folded entries into the summary", () => {
  const reported: [number, number][] = [];
  const folder = new RepeatFolder<number>({
    kind: () => "n",
    report: (value, repeats) => reported.push([value, repeats]),
    merge: (summary, next) => Math.max(summary, next),
  });
  for (const value of [5, 3, 9, 4]) folder.add(value);
  folder.close();
  assert.deepEqual(reported, [[5, 0], [9, 3]]);
});
