import assert from "node:assert/strict";
import { join } from "node:path";
import { LibcError, openLibc } from "../ffi/mod.ts";
import { copyIntoHugetlbfs } from "./hugetlbfs_writer.ts";

const KiB = 2 ** 10;

// A shared mapping of a plain file behaves like one of hugetlbfs here; small
// "pages" and windows let a small image cross several of each.
Deno.test("the copy is the image, padded with zeros to whole pages, written window by window", async () => {
  const root = await Deno.makeTempDir({ prefix: "qubesify-writer-test-" });
  try {
    const image = join(root, "image");
    const target = join(root, "copy");
    const content = new Uint8Array(5 * 64 * KiB + 7);
    for (let at = 0; at < content.length; at += 65536) {
      crypto.getRandomValues(content.subarray(at, at + 65536));
    }
    await Deno.writeFile(image, content);
    using libc = openLibc();
    await copyIntoHugetlbfs({
      libc,
      image,
      target,
      imageBytes: content.length,
      pageBytes: 64 * KiB,
      windowBytes: 2 * 64 * KiB + 1,
    });
    const copy = await Deno.readFile(target);
    assert.equal(copy.length, 6 * 64 * KiB);
    assert.deepEqual(copy.subarray(0, content.length), content);
    assert.ok(copy.subarray(content.length).every((byte) => byte === 0));
    assert.equal((await Deno.stat(target)).mode! & 0o777, 0o600);

    await assert.rejects(
      copyIntoHugetlbfs({
        libc,
        image,
        target,
        imageBytes: content.length,
        pageBytes: 64 * KiB,
      }),
      (error) => error instanceof LibcError && error.code === "EEXIST",
      "a partial copy left over is never reused",
    );
    await assert.rejects(
      copyIntoHugetlbfs({
        libc,
        image,
        target: join(root, "longer"),
        imageBytes: content.length + 1,
        pageBytes: 64 * KiB,
      }),
      /shrank while it was being copied/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
