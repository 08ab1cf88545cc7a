/**
 * VM tier: `qubesify run` as a user runs it — the real CLI under the
 * orchestrator's permission set, real QEMU (TCG here), the smoke template
 * and the kernel from `kernel/` (both cached in the test data folder).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { finish } from "../cli.ts";
import { KERNEL_SOURCE, testDataDir } from "./test_data_dir.ts";
import { sandbox, until } from "./cli_harness.ts";
import { toolsOrSkip } from "../require_tools.ts";

Deno.test({
  name:
    "run: exit status, concurrent VMs, stop, SIGTERM, killed QEMU, nothing left",
  ignore: await toolsOrSkip(["qemu-system-x86_64", "mmdebstrap"], {
    root: true,
    files: [KERNEL_SOURCE],
  }),
}, async (t) => {
  await using box = await sandbox(testDataDir());
  const { runtime, spawn } = box;
  const records = () => box.vms();
  await t.step(
    "build reuses or builds the kernel and the smoke image",
    async () => {
      const built = await finish(spawn(["build", "smoke"]));
      assert.equal(built.code, 0, built.stderr);
      assert.match(built.stdout, /^kernel: .*bzImage$/m);
      assert.match(
        built.stdout,
        /^image smoke: .*\.img \((built|up to date)\)$/m,
      );
    },
  );

  await t.step("the app's output and exit status come back", async () => {
    const run = await finish(
      spawn(["run", "--no-build", "smoke", "--", "3"]),
    );
    assert.equal(run.code, 3, run.stderr);
    assert.equal(run.stdout, "qubesify smoke: hello from the guest\n");
    assert.deepEqual(
      [...Deno.readDirSync(runtime)],
      [],
      "nothing left in the runtime folder",
    );
  });

  const first = spawn(["run", "--no-build", "sleeper"]);
  const second = spawn(["run", "--no-build", "sleeper"]);
  await t.step(
    "two VMs at once get their own names and processes",
    async () => {
      await until(
        async () => (await records()).length === 2,
        120_000,
        "two VMs",
      );
      const vms = await records();
      assert.deepEqual(vms.map((vm) => vm.name), ["sleeper-1", "sleeper-2"]);
      assert.notEqual(vms[0].pid, vms[1].pid);
    },
  );

  // Which VM belongs to which run depends on who created its folder first.
  const nameOf = async (child: Deno.ChildProcess) =>
    (await records()).find((vm) => vm.ownerPid === child.pid)!.name;

  await t.step(
    "stop ends one VM gracefully: the app gets SIGTERM",
    async () => {
      const name = await nameOf(first);
      // Give the app time to install its trap.
      await until(
        async () => {
          const logs = await finish(spawn(["logs", name]));
          return logs.stdout.includes("starting sh as user");
        },
        60_000,
        "the app to start",
      );
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const stopped = await finish(spawn(["stop", name]));
      assert.equal(stopped.code, 0, stopped.stderr);
      const run = await finish(first);
      assert.equal(run.code, 5, run.stderr);
      assert.equal(run.stdout, "started\nbye\n");
      assert.deepEqual((await records()).map((vm) => vm.ownerPid), [
        second.pid,
      ]);
    },
  );

  await t.step("SIGTERM to run stops its VM the same way", async () => {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    second.kill("SIGTERM");
    const run = await finish(second);
    assert.equal(run.code, 5, run.stderr);
    assert.deepEqual(await records(), []);
  });

  await t.step(
    "QEMU killed with SIGKILL: run fails clearly, nothing is left",
    async () => {
      const third = spawn(["run", "--no-build", "sleeper"]);
      await until(
        async () => (await records()).length === 1,
        120_000,
        "the VM",
      );
      const [vm] = await records();
      Deno.kill(vm.pid, "SIGKILL");
      const run = await finish(third);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /sleeper-1: the VM ended without reporting/);
      assert.deepEqual(await records(), []);
      assert.deepEqual([...Deno.readDirSync(runtime)], []);
    },
  );

  await t.step("the template image is unchanged", async () => {
    const [image] = JSON.parse(
      (await finish(spawn(["image", "ls", "--json"]))).stdout,
    ).filter((i: { template: string; current: boolean }) =>
      i.template === "smoke" && i.current
    );
    const hash = createHash("sha256");
    using file = await Deno.open(image.path);
    for await (const chunk of file.readable) hash.update(chunk);
    assert.equal(hash.digest("hex"), image.sha256);
  });
});
