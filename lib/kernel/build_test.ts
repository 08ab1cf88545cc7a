/**
 * buildKernel end to end against a fake kernel tree whose Makefile mimics
 * the targets the builder calls, so the whole pipeline (cache, temp folder,
 * option check, failure cleanup) runs in a second. The real kernel build is
 * in tests/vm/kernel_boot_test.ts.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { buildKernel, type BuildKernelOptions } from "./build.ts";
import { KernelBuildAborted, KernelBuildError } from "./errors.ts";
import { kernelsDir, listKernels } from "./cache.ts";

const MAKEFILE = `VERSION = 6
PATCHLEVEL = 1
SUBLEVEL = 7
tinyconfig:
\tprintf 'CONFIG_64BIT=y\\n# CONFIG_SMP is not set\\nCONFIG_DROPPED=y\\n' > .config
olddefconfig:
\tsed -i '/CONFIG_DROPPED/d' .config
bzImage:
\tmkdir -p arch/x86/boot && echo '  CC      init/main.o' && printf 'fake' > arch/x86/boot/bzImage
`;

interface Fixture {
  dir: string;
  tarball: string;
  kernelDir: string;
  data: string;
  lines: string[];
  options(extra?: Partial<BuildKernelOptions>): BuildKernelOptions;
}

async function withFixture(
  fragment: string,
  fn: (fixture: Fixture) => Promise<void>,
  makefile = MAKEFILE,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const tree = join(dir, "linux-6.1.7");
    await Deno.mkdir(tree);
    await Deno.writeTextFile(join(tree, "Makefile"), makefile);
    const tarball = join(dir, "linux.tar.gz");
    const tar = await new Deno.Command("tar", {
      args: ["-czf", tarball, "-C", dir, "linux-6.1.7"],
    }).output();
    assert.equal(tar.code, 0);
    const kernelDir = join(dir, "kernel");
    await Deno.mkdir(kernelDir);
    await Deno.writeTextFile(join(kernelDir, "microvm.config"), fragment);
    await Deno.writeTextFile(
      join(kernelDir, "version.json"),
      JSON.stringify({
        version: "6.1.7",
        url: "https://cdn.kernel.org/pub/linux/kernel/v6.x/linux-6.1.7.tar.xz",
        sha256: "0".repeat(64),
      }),
    );
    const data = join(dir, "data");
    const lines: string[] = [];
    await fn({
      dir,
      tarball,
      kernelDir,
      data,
      lines,
      options: (extra = {}) => ({
        dataDir: data,
        source: tarball,
        kernelDir,
        report: (line) => lines.push(line),
        ...extra,
      }),
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function entries(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

Deno.test("buildKernel builds once, then answers from the cache", async () => {
  await withFixture("CONFIG_SMP=y\n", async (fixture) => {
    const first = await buildKernel(fixture.options());
    assert.equal(first.cached, false);
    assert.match(first.dir, /\/kernels\/6\.1\.7-[0-9a-f]{16}$/);
    assert.deepEqual(await entries(first.dir), [
      "build.log",
      "bzImage",
      "config",
      "manifest.json",
    ]);
    assert.equal(await Deno.readTextFile(first.bzImage), "fake");
    assert.match(
      await Deno.readTextFile(join(first.dir, "config")),
      /^CONFIG_SMP=y$/m,
    );
    assert.equal(first.manifest.version, "6.1.7");
    assert.equal(first.manifest.bzImageBytes, 4);
    assert.ok(
      fixture.lines.some((l) => l.startsWith("kernel: compiling with")),
    );
    // Only the finished kernel is left: no temporary build folder.
    assert.deepEqual(await entries(kernelsDir(fixture.data)), [
      first.manifest.key,
    ]);

    fixture.lines.length = 0;
    const second = await buildKernel(fixture.options());
    assert.equal(second.cached, true);
    assert.equal(second.dir, first.dir);
    assert.deepEqual(fixture.lines, []);
    assert.equal((await listKernels(fixture.data)).length, 1);
  });
});

Deno.test("buildKernel lists the options that did not stick", async () => {
  await withFixture("CONFIG_SMP=y\nCONFIG_DROPPED=y\n", async (fixture) => {
    await assert.rejects(
      buildKernel(fixture.options()),
      (error: unknown) =>
        error instanceof KernelBuildError &&
        error.message.startsWith("1 required kernel option(s) did not stick") &&
        error.details.length === 1 &&
        error.details[0].startsWith("CONFIG_DROPPED: wanted y, got absent"),
    );
    assert.deepEqual(await entries(kernelsDir(fixture.data)), []);
  });
});

Deno.test("a failing make step keeps its log and leaves no kernel", async () => {
  await withFixture("CONFIG_SMP=y\n", async (fixture) => {
    await assert.rejects(
      buildKernel(fixture.options()),
      (error: unknown) =>
        error instanceof KernelBuildError &&
        error.message.startsWith("make tinyconfig failed") &&
        error.details.at(-1)!.startsWith("full log: "),
    );
    const left = await entries(kernelsDir(fixture.data));
    assert.equal(left.length, 1);
    assert.match(left[0], /^failed-6\.1\.7-[0-9a-f]{16}\.log$/);
  }, "VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 7\n");
});

Deno.test("a truncated tarball stops the build with nothing cached", async () => {
  await withFixture("CONFIG_SMP=y\n", async (fixture) => {
    // Rebuild the tarball with the Makefile first and incompressible bulk
    // after it, then cut it in the bulk: the version is readable, the
    // unpacking fails.
    const tree = join(fixture.dir, "linux-6.1.7");
    await Deno.writeFile(
      join(tree, "zz-bulk"),
      randomBytes(2_000_000),
    );
    const tar = await new Deno.Command("tar", {
      args: [
        "-czf",
        fixture.tarball,
        "-C",
        fixture.dir,
        "linux-6.1.7/Makefile",
        "linux-6.1.7/zz-bulk",
      ],
    }).output();
    assert.equal(tar.code, 0);
    const bytes = await Deno.readFile(fixture.tarball);
    await Deno.writeFile(fixture.tarball, bytes.subarray(0, 1_000_000));
    await assert.rejects(
      buildKernel(fixture.options()),
      (error: unknown) =>
        error instanceof KernelBuildError &&
        error.message.startsWith("unpacking the kernel source failed"),
    );
    const left = await entries(kernelsDir(fixture.data));
    assert.deepEqual(left.filter((name) => !name.startsWith("failed-")), []);
  });
});

Deno.test("aborting a build stops make and removes the build folder", async () => {
  await withFixture(
    "CONFIG_SMP=y\n",
    async (fixture) => {
      const controller = new AbortController();
      const started = performance.now();
      await assert.rejects(
        buildKernel(fixture.options({
          signal: controller.signal,
          heartbeatMs: 200,
          // The first heartbeat comes while make is running `sleep 60`.
          report: (line) => {
            if (line.includes("files compiled")) controller.abort();
          },
        })),
        KernelBuildAborted,
      );
      assert.ok(performance.now() - started < 20_000);
      assert.deepEqual(await entries(kernelsDir(fixture.data)), []);
    },
    MAKEFILE.replace(/^bzImage:\n.*$/m, "bzImage:\n\tsleep 60"),
  );
});

Deno.test("buildKernel reports missing tools with install lines first", async () => {
  await withFixture("CONFIG_SMP=y\n", async (fixture) => {
    await assert.rejects(
      buildKernel(fixture.options({ path: "" })),
      (error: unknown) =>
        error instanceof KernelBuildError &&
        error.message.startsWith("missing kernel build tools: gcc, make,") &&
        error.details[0].startsWith("Debian: sudo apt install gcc make") &&
        error.details[1].startsWith("Fedora: sudo rpm-ostree install gcc make"),
    );
  });
});

Deno.test("buildKernel rejects a --source that does not exist", async () => {
  await withFixture("CONFIG_SMP=y\n", async (fixture) => {
    await assert.rejects(
      buildKernel(
        fixture.options({ source: join(fixture.dir, "nope.tar.xz") }),
      ),
      /kernel source not found: .*nope\.tar\.xz/,
    );
  });
});
