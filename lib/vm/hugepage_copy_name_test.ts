import assert from "node:assert/strict";
import { hugepageCopyName } from "./hugepage_copy_name.ts";

Deno.test("copy names: readable, per runtime folder, per image version", () => {
  const base = {
    image: "/home/u/.local/share/qubesify/images/smoke/2026-05-01T10:00.img",
    imageBytes: 123,
    imageMtimeMs: 1000,
    runtimeDir: "/run/user/1000/qubesify",
  };
  const name = hugepageCopyName(base);
  assert.match(
    name,
    /^qubesify-[0-9a-f]{8}-smoke-2026-05-01T10_00\.img-[0-9a-f]{8}$/,
  );
  assert.equal(hugepageCopyName({ ...base }), name, "stable");
  const other = (change: Partial<typeof base>) =>
    hugepageCopyName({ ...base, ...change });
  assert.notEqual(other({ imageMtimeMs: 2000 }), name, "rebuilt image");
  assert.notEqual(other({ imageBytes: 124 }), name, "rebuilt image");
  assert.notEqual(other({ image: "/other/2026-05-01T10:00.img" }), name);
  const elsewhere = other({ runtimeDir: "/tmp/qubesify-1000" });
  assert.notEqual(elsewhere.slice(0, 18), name.slice(0, 18), "prefix differs");
  assert.ok(!/[,=]/.test(name), "safe in QEMU's -drive syntax");
});
