/**
 * VM tier: builds the smoke template with mmdebstrap from the Debian mirror
 * (reused while its inputs are unchanged), boots it under TCG with the
 * kernel from `kernel/`, and checks the guest contract: the launch spec
 * reaches the app, its output and exit status reach the host, the VM ends
 * by itself, and the read-only template is unchanged afterwards.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  buildImage,
  ensureImage,
  ImageBuildError,
} from "../../lib/image/mod.ts";
import { type BootOptions, bootVm } from "../../lib/vm/mod.ts";
import type { LaunchSpec } from "../../lib/guest/mod.ts";
import { findExecutable } from "../../lib/exec/mod.ts";
import {
  loadCatalog,
  resolveApp,
  shippedRecipeDirectory,
} from "../../lib/recipe/mod.ts";
import { KERNEL_SOURCE, testDataDir, testKernel } from "./test_data_dir.ts";
import { toolsOrSkip } from "../require_tools.ts";

const PATH = Deno.env.get("PATH") ?? "";
const qemu = await findExecutable("qemu-system-x86_64", PATH);

async function sha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

Deno.test({
  name: "the smoke template builds, boots and runs its app from a launch spec",
  ignore: await toolsOrSkip(["qemu-system-x86_64", "mmdebstrap"], {
    root: true,
    files: [KERNEL_SOURCE],
  }),
}, async (t) => {
  const dataDir = testDataDir();
  const report = (line: string) => console.error(line.trimEnd());
  const kernel = await testKernel();
  const catalog = await loadCatalog([shippedRecipeDirectory()]);
  const { app, template } = resolveApp(catalog, "smoke");
  const { image, built } = await ensureImage({
    dataDir,
    template,
    uses: { display: false, audio: false },
    report,
    uid: 0,
    path: PATH,
  });
  console.log(
    `smoke image ${image.manifest.version}: ${
      (image.manifest.sizeBytes / 2 ** 20).toFixed(1)
    } MiB, ${image.manifest.packages.length} packages, ${
      built
        ? `built in ${image.manifest.buildSeconds}s`
        : "reused (same inputs)"
    }`,
  );
  assert.equal(await sha256(image.path), image.manifest.sha256);

  const boot = async (
    spec: Omit<LaunchSpec, "hostname" | "display" | "audio">,
    stop?: Pick<BootOptions, "signal" | "stopGraceMs" | "onAppOutput">,
  ) => {
    const workDir = await Deno.makeTempDir({ prefix: "qubesify-vm-test-" });
    try {
      const result = await bootVm({
        ...stop,
        qemu: qemu!,
        kernel: kernel.bzImage,
        rootImage: image.path,
        memoryBytes: app.memory,
        cpus: app.cpus,
        accel: "tcg",
        acpi: false,
        network: { mode: "none" },
        spec: { ...spec, hostname: "smoke", display: "none", audio: "none" },
        workDir,
        timeoutMs: 300_000,
      });
      return { ...result, output: new TextDecoder().decode(result.appOutput) };
    } finally {
      await Deno.remove(workDir, { recursive: true });
    }
  };

  await t.step("the app's output and exit status reach the host", async () => {
    const result = await boot({
      user: app.user,
      argv: [...app.command, "3"],
      env: app.env,
    });
    console.log(`TCG boot to app exit: ${result.elapsedMs} ms`);
    assert.deepEqual(result.report, { kind: "exit", status: 3 });
    assert.match(result.output, /^qubesify smoke: hello from the guest$/m);
    assert.equal(result.timedOut, false, "the VM ended by itself");
    assert.equal(result.qemuCode, 0, result.qemuStderr);
  });

  await t.step(
    "writes stay in guest RAM; the template is unchanged",
    async () => {
      const result = await boot({
        user: "tester",
        argv: [
          "sh",
          "-c",
          'echo data > "$HOME/file" && echo data > /tmp/file && ' +
          'echo "$(id -un) $GREETING" && cat "$HOME/file"',
        ],
        env: { GREETING: "it's here" },
      });
      assert.deepEqual(result.report, { kind: "exit", status: 0 });
      assert.equal(result.output, "tester it's here\ndata\n");
      assert.equal(await sha256(image.path), image.manifest.sha256);
    },
  );

  await t.step(
    "an app that ignores the stop request: QEMU quits through QMP",
    async () => {
      const abort = new AbortController();
      let seen = "";
      const result = await boot({
        user: "user",
        argv: ["sh", "-c", "trap '' TERM; echo up; sleep 120"],
        env: {},
      }, {
        signal: abort.signal,
        stopGraceMs: 1_000,
        onAppOutput: (bytes) => {
          seen += new TextDecoder().decode(bytes);
          if (seen.includes("up\n")) abort.abort();
        },
      });
      assert.equal(result.output, "up\n");
      // QMP quit, 1 s after the request: before the init's own 10 s
      // escalation would report, and without the signal QEMU would log.
      assert.equal(result.qemuCode, 0, result.qemuStderr);
      assert.doesNotMatch(result.qemuStderr, /terminating on signal/);
      assert.deepEqual(result.report, { kind: "none" });
      assert.ok(result.elapsedMs < 120_000, "long before the app's sleep ends");
    },
  );

  await t.step("a missing program is exit status 127, not a hang", async () => {
    const result = await boot({
      user: "user",
      argv: ["no-such-program"],
      env: {},
    });
    assert.deepEqual(result.report, { kind: "exit", status: 127 });
    assert.equal(result.timedOut, false);
  });
});

Deno.test({
  name: "an unknown package fails the build clearly and leaves no image behind",
  ignore: await toolsOrSkip(["mmdebstrap"], { root: true }),
}, async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "qubesify-image-fail-" });
  try {
    const catalog = await loadCatalog([shippedRecipeDirectory()]);
    const template = {
      ...catalog.templates.get("smoke")!,
      name: "broken",
      packages: ["qubesify-no-such-package"],
    };
    await assert.rejects(
      buildImage({
        dataDir,
        template,
        uses: { display: false, audio: false },
        report: () => {},
        uid: 0,
        path: PATH,
      }),
      (error: Error) => {
        assert.ok(error instanceof ImageBuildError, String(error));
        assert.match(
          error.message,
          /^mmdebstrap failed: .*qubesify-no-such-package/,
        );
        assert.match(error.message, /full log: .*last-failed-build\.log\)$/);
        return true;
      },
    );
    const left = [...Deno.readDirSync(`${dataDir}/images/broken`)].map((e) =>
      e.name
    );
    assert.deepEqual(left, ["last-failed-build.log"]);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
