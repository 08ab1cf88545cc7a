import assert from "node:assert/strict";
import { join } from "node:path";
import { claimHomeDisk, HomeDiskBusyError, homeDiskPath } from "./home_disk.ts";

/** The app `dev`'s disk of `sizeBytes`, with data and claims inside `dir`. */
function diskOptions(dir: string, sizeBytes: number) {
  return {
    app: "dev",
    dataDir: join(dir, "data"),
    claimsDir: join(dir, "claims"),
    mke2fs: "mke2fs",
    sizeBytes,
  };
}

Deno.test("a home disk is made on first use, kept, and held by one VM at a time", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-home-" });
  try {
    const options = diskOptions(dir, 16 * 2 ** 20);
    const first = await claimHomeDisk(options);
    assert.equal(first.path, homeDiskPath(options.dataDir, "dev"));
    const info = await Deno.stat(first.path);
    assert.equal(info.size, 16 * 2 ** 20);
    assert.equal(info.mode! & 0o777, 0o600);
    const dumpe2fs = await new Deno.Command("dumpe2fs", {
      args: ["-h", first.path],
      stdout: "piped",
      stderr: "null",
    }).output();
    assert.match(
      new TextDecoder().decode(dumpe2fs.stdout),
      /Filesystem volume name:\s+home/,
    );
    await assert.rejects(() => claimHomeDisk(options), HomeDiskBusyError);
    // Kept between VMs: the next claim reuses the same disk, unchanged.
    await Deno.writeFile(first.path, new Uint8Array([1]), { append: true });
    await first.release();
    const second = await claimHomeDisk(options);
    assert.equal((await Deno.stat(second.path)).size, 16 * 2 ** 20 + 1);
    await second.release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a disk that cannot be made says why and leaves nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-home-" });
  try {
    // Far too small for ext4.
    const options = diskOptions(dir, 1024);
    await assert.rejects(
      () => claimHomeDisk(options),
      /cannot create the home disk .*dev\.ext4/,
    );
    assert.deepEqual([...Deno.readDirSync(join(dir, "data", "homes"))], []);
    // The claim was given back.
    await claimHomeDisk({ ...options, sizeBytes: 16 * 2 ** 20 }).then((c) =>
      c.release()
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
