/**
 * VM tier: the QEMU command line `run` uses ({@linkcode qemuArgs}, through
 * the bare VM helper) keeps QEMU in its seccomp sandbox. An incoming
 * migration from `exec:` makes QEMU fork a shell, which the sandbox's
 * `spawn=deny` answers by killing QEMU with SIGSYS; unconfined, QEMU would
 * run the command. (That a sandboxed VM boots and runs its app, the other
 * VM tests show.)
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startBareVm } from "./bare_vm.ts";
import { KERNEL_SOURCE, testKernel } from "./test_data_dir.ts";
import { toolsOrSkip } from "../require_tools.ts";

/** Deno's exit code for a process a signal ended: 128 + SIGSYS (31). */
const KILLED_BY_SIGSYS = 128 + 31;

Deno.test({
  name: "a VM's QEMU dies of SIGSYS when anything makes it start a program",
  ignore: await toolsOrSkip(["qemu-system-x86_64"], { files: [KERNEL_SOURCE] }),
}, async () => {
  const kernel = await testKernel();
  const dir = await Deno.makeTempDir({ prefix: "qubesify-sandbox-test-" });
  try {
    const marker = join(dir, "spawned");
    // QEMU fails before it reads the disk; any file will do.
    const rootImage = join(dir, "root.img");
    await Deno.writeFile(rootImage, new Uint8Array(2 ** 20));
    await using vm = await startBareVm({
      kernel: kernel.bzImage,
      rootImage,
      extraArgs: ["-incoming", `exec:touch ${marker}`],
      timeoutMs: 60_000,
    });
    const exit = await vm.exit;
    assert.equal(exit.timedOut, false, vm.output());
    assert.equal(exit.code, KILLED_BY_SIGSYS, vm.output());
    assert.equal(
      await Deno.stat(marker).then(() => "ran", () => "not run"),
      "not run",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
