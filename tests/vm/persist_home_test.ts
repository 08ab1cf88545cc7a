/**
 * VM tier, `persist: home` for real: what the app writes to its home is
 * there the next time it runs, on a per-app disk that one VM at a time may
 * use; nothing else of the VM is kept.
 */
import assert from "node:assert/strict";
import { homeDiskPath } from "../../lib/vm/mod.ts";
import { KERNEL_SOURCE, testDataDir } from "./test_data_dir.ts";
import { finish } from "../cli.ts";
import { sandbox, until } from "./cli_harness.ts";
import { toolsOrSkip } from "../require_tools.ts";

Deno.test({
  name:
    "persist: home keeps the home folder between runs, for one VM at a time",
  ignore: await toolsOrSkip(["qemu-system-x86_64", "mmdebstrap"], {
    files: [KERNEL_SOURCE],
  }),
}, async () => {
  await using box = await sandbox(testDataDir());
  const disk = homeDiskPath(testDataDir(), "diary");
  await Deno.remove(disk).catch(() => {});
  try {
    const built = await finish(box.spawn(["build", "smoke"]));
    assert.equal(built.code, 0, built.stderr);

    const first = box.spawn(["run", "--no-build", "diary", "--", "one", "15"]);
    await until(
      async () => (await box.vms()).length === 1,
      120_000,
      "the first VM",
    );
    const busy = await finish(
      box.spawn(["run", "--no-build", "diary", "--", "two"]),
    );
    assert.equal(busy.code, 1);
    assert.match(
      busy.stderr,
      /the home disk of diary is in use by another VM of it/,
    );
    const firstRun = await finish(first);
    assert.equal(firstRun.code, 0, firstRun.stderr);
    assert.equal(firstRun.stdout, "home: nothing\ntmp: nothing\n");

    const second = await finish(
      box.spawn(["run", "--no-build", "diary", "--", "three"]),
    );
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, "home: one\ntmp: nothing\n");
  } finally {
    await Deno.remove(disk).catch(() => {});
  }
});
