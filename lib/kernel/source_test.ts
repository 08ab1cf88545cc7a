import assert from "node:assert/strict";
import { join } from "node:path";
import { KernelBuildError } from "./errors.ts";
import {
  parseMakefileVersion,
  pickDistroTarball,
  readTarballVersion,
  resolveSource,
} from "./source.ts";

const PIN = {
  version: "6.1.129",
  url: "https://cdn.kernel.org/pub/linux/kernel/v6.x/linux-6.1.129.tar.xz",
  sha256: "9".repeat(64),
};

Deno.test("parseMakefileVersion reads VERSION, PATCHLEVEL and SUBLEVEL", () => {
  const makefile =
    "# SPDX-License-Identifier: GPL-2.0\nVERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 192\nEXTRAVERSION =\n";
  assert.equal(parseMakefileVersion(makefile), "6.1.192");
  assert.equal(parseMakefileVersion("VERSION = 6\nPATCHLEVEL = 8\n"), "6.8");
  assert.equal(parseMakefileVersion("all:\n\ttrue\n"), undefined);
});

Deno.test("pickDistroTarball takes the newest linux-source tarball", () => {
  assert.equal(
    pickDistroTarball([
      "python3.11",
      "linux-source-6.1.tar.xz",
      "linux-source-6.12.tar.xz",
      "linux-source-6.9.tar.xz",
      "linux-source-6.12.tar.bz2",
    ]),
    "linux-source-6.12.tar.xz",
  );
  assert.equal(pickDistroTarball(["linux-headers-6.1"]), undefined);
});

Deno.test("resolveSource names a missing --source path clearly", async () => {
  await assert.rejects(
    resolveSource({
      source: "/nonexistent/linux.tar.xz",
      pin: PIN,
      downloadDir: "/tmp",
    }),
    (error: unknown) =>
      error instanceof KernelBuildError &&
      error.message === "kernel source not found: /nonexistent/linux.tar.xz",
  );
  await assert.rejects(
    resolveSource({ source: "/tmp", pin: PIN, downloadDir: "/tmp" }),
    /kernel source is not a file: \/tmp/,
  );
});

Deno.test("resolveSource falls back to the pinned download", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const source = await resolveSource({
      distroDir: dir,
      pin: PIN,
      downloadDir: "/data/kernels/sources",
    });
    assert.deepEqual(source, {
      kind: "download",
      tarball: "/data/kernels/sources/linux-6.1.129.tar.xz",
      sha256: PIN.sha256,
      url: PIN.url,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("resolveSource prefers a distro tarball and hashes it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "linux-source-6.1.tar.xz"), "abc");
    const source = await resolveSource({
      distroDir: dir,
      pin: PIN,
      downloadDir: "/unused",
    });
    assert.equal(source.kind, "local");
    assert.equal(
      source.tarball,
      join(await Deno.realPath(dir), "linux-source-6.1.tar.xz"),
    );
    assert.equal(
      source.sha256,
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readTarballVersion reads the top-level Makefile only", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "linux-9.9.9/arch/x86"), { recursive: true });
    await Deno.writeTextFile(
      join(dir, "linux-9.9.9/arch/x86/Makefile"),
      "VERSION = 1\nPATCHLEVEL = 1\n",
    );
    await Deno.writeTextFile(
      join(dir, "linux-9.9.9/Makefile"),
      "VERSION = 9\nPATCHLEVEL = 9\nSUBLEVEL = 9\n",
    );
    const tarball = join(dir, "linux.tar.xz");
    const tar = await new Deno.Command("tar", {
      args: ["-cJf", tarball, "-C", dir, "linux-9.9.9"],
    }).output();
    assert.equal(tar.code, 0);
    assert.equal(await readTarballVersion(tarball), "9.9.9");

    const garbage = join(dir, "garbage.tar.xz");
    await Deno.writeTextFile(garbage, "this is not xz data");
    await assert.rejects(
      readTarballVersion(garbage),
      (error: unknown) =>
        error instanceof KernelBuildError &&
        error.message.startsWith(
          `${garbage} is not a readable kernel source tarball`,
        ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
