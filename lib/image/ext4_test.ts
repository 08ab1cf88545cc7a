import assert from "node:assert/strict";
import {
  initialImageBytes,
  measureTree,
  mke2fsArgs,
  parseResizedBytes,
  shrinkArgs,
} from "./ext4.ts";

Deno.test("mke2fs makes a journal-less ext4 from a directory", () => {
  assert.deepEqual(
    mke2fsArgs({
      source: "/b/rootfs",
      image: "/b/image.img",
      bytes: 256 * 2 ** 20,
      label: "smoke",
    }),
    [
      "-t",
      "ext4",
      "-F",
      "-q",
      "-L",
      "smoke",
      "-b",
      "4096",
      "-O",
      "^has_journal",
      "-m",
      "0",
      "-E",
      "root_owner=0:0",
      "-d",
      "/b/rootfs",
      "/b/image.img",
      "262144k",
    ],
  );
  assert.deepEqual(shrinkArgs("/b/image.img"), ["-f", "-M", "/b/image.img"]);
});

Deno.test("the first size has room and is whole MiB", () => {
  const bytes = initialImageBytes({
    blockBytes: 100 * 2 ** 20,
    inodes: 10_000,
  });
  assert.equal(bytes % 2 ** 20, 0);
  assert.ok(bytes >= 100 * 2 ** 20 * 1.25 + 64 * 2 ** 20);
});

Deno.test("resize2fs's closing line gives the new size", () => {
  const output =
    "resize2fs 1.47.0 (5-Feb-2023)\nResizing the filesystem on /b/image.img to 40000 (4k) blocks.\n" +
    "The filesystem on /b/image.img is now 40000 (4k) blocks long.\n\n";
  assert.equal(parseResizedBytes(output), 40000 * 4096);
  assert.equal(
    parseResizedBytes(
      "The filesystem is already 308480 (4k) blocks long.  Nothing to do!\n",
    ),
    308480 * 4096,
  );
  assert.equal(
    parseResizedBytes("resize2fs: No space left on device"),
    undefined,
  );
});

Deno.test("measureTree counts blocks and inodes without following links", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/d`);
    await Deno.writeFile(`${root}/d/a`, new Uint8Array(5000));
    await Deno.writeFile(`${root}/b`, new Uint8Array(1));
    await Deno.symlink("/", `${root}/link`);
    assert.deepEqual(await measureTree(root), {
      blockBytes: 4096 + 8192 + 4096,
      inodes: 4,
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
