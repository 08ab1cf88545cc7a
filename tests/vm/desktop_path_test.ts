/**
 * VM tier, the whole path for real: `qubesify run` under the orchestrator's
 * permission set boots the probe template with qubesify's own vsock
 * back-end; weston-simple-shm in the guest draws through the guest's
 * waypipe (trixie) → vsock → the VM's back-end → the host waypipe client
 * (this machine's) → a headless weston, whose screenshot must show the
 * window. A tone played in another VM must reach the host's pulse server,
 * and a third VM may reach neither the display nor the sound.
 */
import assert from "node:assert/strict";
import { KERNEL_SOURCE, testDataDir } from "./test_data_dir.ts";
import { finish } from "../cli.ts";
import { sandbox, until } from "./cli_harness.ts";
import { heardTone, TEST_RATE } from "../desktop/audio.ts";
import { showsWindow } from "../desktop/pixels.ts";
import { PROGRAM_PACKAGES } from "../desktop/programs.ts";
import { startPulseServer, startRecording } from "../desktop/pulse_server.ts";
import { startWestonHeadless } from "../desktop/weston_headless.ts";
import { toolsOrSkip } from "../require_tools.ts";

const ignore = await toolsOrSkip(
  ["weston", "pulseaudio", "parec", "qemu-system-x86_64", "mmdebstrap"],
  { files: [KERNEL_SOURCE], packages: PROGRAM_PACKAGES },
);

Deno.test({
  name:
    "run: a guest's window reaches the host compositor and its tone the host's sound server; others reach neither",
  ignore,
}, async (t) => {
  await using box = await sandbox(testDataDir());
  const built = await finish(box.spawn(["build", "probe"]));
  assert.equal(built.code, 0, built.stderr);

  await using weston = await startWestonHeadless();
  await using pulse = await startPulseServer();
  Object.assign(box.env, weston.env, { PULSE_SERVER: pulse.server });
  const blank = await weston.screenshot();
  assert.equal(showsWindow(blank), false, "the desktop starts empty");

  const window = box.spawn(["run", "--no-build", "--vsock", "user", "probe"]);
  await t.step("the guest's window appears on the host", async () => {
    const { matched } = await weston.screenshotUntil(
      (image) => showsWindow(image),
      { timeoutMs: 180_000, intervalMs: 2_000 },
    );
    assert.ok(matched, "weston-simple-shm's window in a screenshot");
  });

  await t.step(
    "another VM reaches neither the display nor the sound",
    async () => {
      const snoop = await finish(
        box.spawn(["run", "--no-build", "--vsock", "user", "snoop"]),
      );
      assert.equal(snoop.code, 0, snoop.stderr);
      assert.equal(snoop.stdout, "port 7000: refused\nport 7001: refused\n");
    },
  );

  await t.step("stopping the VM closes its window", async () => {
    const [vm] = (await box.vms()).filter((vm) => vm.app === "probe");
    const stopped = await finish(box.spawn(["stop", vm.name]));
    assert.equal(stopped.code, 0, stopped.stderr);
    await finish(window);
    await until(
      async () => !showsWindow(await weston.screenshot()),
      30_000,
      "the window to go",
    );
  });

  await t.step("a tone played in the guest is heard on the host", async () => {
    await using recording = await startRecording(pulse);
    const played = await finish(
      box.spawn(["run", "--no-build", "--vsock", "user", "tone"]),
    );
    assert.equal(played.code, 0, played.stderr);
    const why = heardTone(await recording.stop(), {
      tone: { frequency: 440, rate: 44_100, seconds: 3, amplitude: 12_000 },
      rate: TEST_RATE,
    });
    assert.equal(why, undefined, why);
  });
  assert.deepEqual(await box.vms(), []);
});
