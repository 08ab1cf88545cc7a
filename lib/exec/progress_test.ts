import assert from "node:assert/strict";
import { createProgress, formatElapsed } from "./progress.ts";

Deno.test("formatElapsed shows seconds, then minutes and seconds", () => {
  assert.equal(formatElapsed(0), "0s");
  assert.equal(formatElapsed(59_999), "59s");
  assert.equal(formatElapsed(130_000), "2m10s");
  assert.equal(formatElapsed(3_605_000), "60m05s");
});

Deno.test("progress prints phases and heartbeats with elapsed time", async () => {
  const lines: string[] = [];
  let clock = 0;
  const progress = createProgress({
    prefix: "kernel",
    write: (l) => lines.push(l),
    now: () => clock,
  });
  clock = 5_000;
  progress.phase("compiling");
  clock = 135_000;
  const stop = progress.heartbeat(5, () => "12 files compiled");
  await new Promise((resolve) => setTimeout(resolve, 30));
  stop();
  const count = lines.length;
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(lines.length, count, "no heartbeat after stop");
  assert.equal(lines[0], "kernel: compiling…\n");
  assert.equal(lines[1], "kernel: compiling… 2m10s (12 files compiled)\n");
  assert.equal(progress.total(), "2m15s");
});
