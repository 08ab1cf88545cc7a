import assert from "node:assert/strict";
import { isProcessAlive, readKernelFile } from "./proc.ts";

Deno.test("liveness of this process and of one that is gone", async () => {
  assert.equal(await isProcessAlive(Deno.pid), true);
  const child = new Deno.Command("true").spawn();
  await child.status;
  assert.equal(await isProcessAlive(child.pid), false);
  assert.equal(await isProcessAlive("12"), false);
  assert.equal(await isProcessAlive(-1), false);
});

Deno.test("kernel files are read; other paths are refused", async () => {
  assert.match(await readKernelFile("/proc/meminfo") ?? "", /^MemTotal:/m);
  assert.equal(await readKernelFile("/proc/no-such-file"), undefined);
  await assert.rejects(
    () => readKernelFile("/etc/shadow"),
    /not a \/proc or \/sys path/,
  );
  await assert.rejects(
    () => readKernelFile("/proc/../etc/shadow"),
    /not a \/proc/,
  );
});
