import assert from "node:assert/strict";
import { join } from "node:path";
import { readLogTail, readSerialTail } from "./log_tail.ts";

Deno.test("a log's tail is read from its end, starting at a whole line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-log-tail-" });
  try {
    const path = join(dir, "serial.log");
    await Deno.writeTextFile(path, "first\nsecond\n");
    assert.equal(await readLogTail(path), "first\nsecond\n");
    assert.equal(await readLogTail(path, 9), "second\n");
    assert.equal(await readLogTail(path, 3), "");
    // 64 MiB of console output: only the window is read.
    const line = new TextEncoder().encode(`${"x".repeat(1023)}\n`);
    using file = await Deno.open(path, { write: true, truncate: true });
    for (let i = 0; i < 64 * 1024; i++) await file.write(line);
    await file.write(new TextEncoder().encode("kernel panic\n"));
    const tail = await readLogTail(path);
    assert.ok(tail.length <= 64 * 1024, String(tail.length));
    assert.ok(tail.endsWith("\nkernel panic\n"));
    assert.ok(tail.startsWith("x"));
    await Deno.writeTextFile(path, "");
    assert.equal(await readLogTail(path), "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a huge serial log costs only its tail in memory", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-log-tail-" });
  try {
    const path = join(dir, "serial.log");
    const chunk = new TextEncoder().encode(
      `${"y".repeat(1023)}\n`.repeat(1024),
    );
    {
      using file = await Deno.open(path, { write: true, create: true });
      // 256 MiB: what a guest printing in a loop leaves after a while.
      for (let i = 0; i < 256; i++) await file.write(chunk);
      await file.write(new TextEncoder().encode("last words\n"));
    }
    const before = Deno.memoryUsage().rss;
    const tail = await readSerialTail(path);
    const grown = Deno.memoryUsage().rss - before;
    assert.ok(tail.endsWith("y\nlast words\n"));
    assert.equal(tail.split("\n").length, 15);
    assert.ok(grown < 32 * 1024 * 1024, `grew by ${grown} bytes`);
    assert.equal(await readSerialTail(join(dir, "missing.log")), "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
