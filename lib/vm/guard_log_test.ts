import assert from "node:assert/strict";
import { join } from "node:path";
import { openGuardLog } from "./guard_log.ts";

Deno.test("guard log: repeats fold across connections, refusals warn once, the file is bounded", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "guards.log");
    const warnings: string[] = [];
    {
      using log = await openGuardLog({
        path,
        warn: (line) => warnings.push(line),
        isRefusal: (line) => line.includes("refused"),
        maxBytes: 200,
      });
      for (let id = 1; id <= 1000; id++) {
        log.line(`audio vm-1: connection ${id}: refused LOAD_MODULE`);
      }
      log.line("vm-1: hid globals zwlr_screencopy_manager_v1");
      for (let i = 0; i < 100; i++) log.line(`noise ${i} ${"x".repeat(20)}`);
    }
    assert.deepEqual(warnings, [
      "audio vm-1: connection 1: refused LOAD_MODULE",
    ]);
    const text = await Deno.readTextFile(path);
    assert.ok(text.length <= 200 + 64, `${text.length} bytes`);
    assert.match(text, /^audio vm-1: connection 1: refused LOAD_MODULE\n/);
    assert.match(text, /the rest is dropped\n$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("guard log: a summary line counts the folded repeats", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "guards.log");
    {
      using log = await openGuardLog({
        path,
        warn: () => {},
        isRefusal: () => true,
      });
      for (let id = 1; id <= 3; id++) {
        log.line(`vm-1: connection ${id} closed: bad`);
      }
    }
    assert.equal(
      await Deno.readTextFile(path),
      "vm-1: connection 1 closed: bad\nvm-1: connection 3 closed: bad (and 2 more like it)\n",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
