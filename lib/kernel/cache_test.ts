import assert from "node:assert/strict";
import { join } from "node:path";
import {
  buildDirPrefix,
  HEARTBEAT_FILE,
  isStale,
  keepBuildAlive,
  type KernelManifest,
  kernelsDir,
  listKernels,
  removeStaleBuilds,
} from "./cache.ts";

function manifest(key: string, builtAt: string): KernelManifest {
  return {
    key,
    version: "6.1.192",
    source: {
      kind: "local",
      tarball: "/usr/src/x.tar.xz",
      sha256: "a".repeat(64),
    },
    fragments: { files: ["microvm.config"], sha256: "b".repeat(64) },
    jobs: 2,
    builtAt,
    buildSeconds: 300,
    bzImageBytes: 3,
  };
}

Deno.test("build folder names carry the builder's pid", () => {
  assert.equal(buildDirPrefix(4242), ".build-4242-");
});

Deno.test("a build folder is stale ten minutes after its last heartbeat", () => {
  const now = new Date("2026-11-24T12:00:00Z");
  assert.equal(isStale(new Date("2026-11-24T11:55:00Z"), now), false);
  assert.equal(isStale(new Date("2026-11-24T11:49:59Z"), now), true);
});

Deno.test("removeStaleBuilds removes only folders without a fresh heartbeat", async () => {
  const data = await Deno.makeTempDir();
  try {
    const kernels = kernelsDir(data);
    for (const name of [".build-100-a", ".build-200-b", "6.1.192-00"]) {
      await Deno.mkdir(join(kernels, name, "src"), { recursive: true });
    }
    const old = new Date("2026-01-01T00:00:00Z");
    await keepBuildAlive(join(kernels, ".build-100-a")).then((stop) => stop());
    await Deno.utime(join(kernels, ".build-100-a", HEARTBEAT_FILE), old, old);
    await keepBuildAlive(join(kernels, ".build-200-b")).then((stop) => stop());
    // The kernel folder is old too, but only build folders are candidates.
    await Deno.utime(join(kernels, "6.1.192-00"), old, old);
    const removed = await removeStaleBuilds(data);
    assert.deepEqual(removed, [".build-100-a"]);
    assert.deepEqual(
      [...Deno.readDirSync(kernels)].map((e) => e.name).sort(),
      [".build-200-b", "6.1.192-00"],
    );
    assert.deepEqual(await removeStaleBuilds(join(data, "none")), []);
  } finally {
    await Deno.remove(data, { recursive: true });
  }
});

Deno.test("listKernels returns complete kernels, newest first", async () => {
  const data = await Deno.makeTempDir();
  try {
    const kernels = kernelsDir(data);
    assert.deepEqual(await listKernels(data), []);
    for (
      const [key, date] of [["k-old", "2026-01-01"], ["k-new", "2026-02-01"]]
    ) {
      await Deno.mkdir(join(kernels, key), { recursive: true });
      await Deno.writeTextFile(join(kernels, key, "bzImage"), "MZ!");
      await Deno.writeTextFile(
        join(kernels, key, "manifest.json"),
        JSON.stringify(manifest(key, date)),
      );
    }
    // Neither a build in progress nor a kernel without bzImage is listed.
    await Deno.mkdir(join(kernels, ".build-1-x"));
    await Deno.mkdir(join(kernels, "k-broken"));
    await Deno.writeTextFile(
      join(kernels, "k-broken", "manifest.json"),
      JSON.stringify(manifest("k-broken", "2026-03-01")),
    );
    const listed = await listKernels(data);
    assert.deepEqual(listed.map((k) => k.manifest.key), ["k-new", "k-old"]);
    assert.equal(listed[0].bzImage, join(kernels, "k-new", "bzImage"));
  } finally {
    await Deno.remove(data, { recursive: true });
  }
});
