import assert from "node:assert/strict";
import { join } from "node:path";
import {
  PROBE_MARKER,
  probeArgs,
  probeFirmware,
  probeGuest,
} from "./accel_probe.ts";
import { findExecutable } from "../exec/mod.ts";
import { toolsOrSkip } from "../../tests/require_tools.ts";

Deno.test("probe firmware: 64 KiB with a jump at the reset vector", () => {
  const image = probeFirmware();
  assert.equal(image.length, 65536);
  const resetVector = image.length - 16;
  assert.equal(image[resetVector], 0xeb, "jmp short");
  const target = resetVector + 2 + (image[resetVector + 1] - 0x100);
  // mov dx, 0x3f8 starts the code the jump lands on.
  assert.deepEqual([...image.subarray(target, target + 3)], [0xba, 0xf8, 0x03]);
  const text = String.fromCharCode(
    ...image.subarray(target, resetVector).filter((_, i, all) =>
      all[i - 1] === 0xb0
    ),
  );
  assert.equal(text, PROBE_MARKER);
});

Deno.test("probe args: microvm, the accelerator, the firmware, extra devices", () => {
  assert.deepEqual(
    probeArgs({
      accel: "kvm",
      firmware: "/t/p.bin",
      extraArgs: ["-device", "x"],
    }),
    [
      "-M",
      "microvm,acpi=off,pit=off,pic=off,rtc=off",
      "-accel",
      "kvm",
      "-cpu",
      "host",
      "-m",
      "16M",
      "-nodefaults",
      "-no-user-config",
      "-sandbox",
      "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny",
      "-display",
      "none",
      "-bios",
      "/t/p.bin",
      "-serial",
      "stdio",
      "-device",
      "x",
    ],
  );
});

const ignore = await toolsOrSkip(["qemu-system-x86_64"]);
const qemu = await findExecutable(
  "qemu-system-x86_64",
  Deno.env.get("PATH") ?? "",
);

Deno.test({
  name: "probe guest runs under TCG with real QEMU, sandboxed",
  ignore,
  fn: async () => {
    const result = await probeGuest({
      qemu: qemu!,
      accel: "tcg",
      timeoutMs: 30_000,
    });
    assert.equal(result.works, true, result.reason);
  },
});

Deno.test({
  name: "probe guest reports QEMU's own error",
  ignore,
  fn: async () => {
    const result = await probeGuest({
      qemu: qemu!,
      accel: "tcg",
      extraArgs: ["-device", "no-such-device"],
      timeoutMs: 30_000,
    });
    assert.equal(result.works, false);
    assert.match(result.reason ?? "", /no-such-device/);
  },
});

Deno.test("a hanging guest is killed at the timeout", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const pidFile = join(dir, "pid");
    const fake = join(dir, "qemu");
    await Deno.writeTextFile(
      fake,
      `#!/bin/sh\necho $$ > ${pidFile}\nexec sleep 60\n`,
    );
    await Deno.chmod(fake, 0o755);
    const result = await probeGuest({
      qemu: fake,
      accel: "kvm",
      timeoutMs: 300,
    });
    assert.equal(result.works, false);
    assert.match(result.reason ?? "", /did not start within 300 ms/);
    const pid = (await Deno.readTextFile(pidFile)).trim();
    const alive = await Deno.stat(`/proc/${pid}`).then(() => true, () => false);
    assert.equal(alive, false, "the probe process was reaped");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "the probe's QEMU is sandboxed: starting a program kills it (SIGSYS)",
  ignore,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const firmware = join(dir, "probe.bin");
      await Deno.writeFile(firmware, probeFirmware());
      // An incoming migration from `exec:` forks a shell: spawn=deny.
      const child = new Deno.Command(qemu!, {
        args: probeArgs({
          accel: "tcg",
          firmware,
          extraArgs: ["-incoming", "exec:true"],
        }),
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      const [status, stderr] = await Promise.all([
        child.status,
        new Response(child.stderr).text(),
      ]);
      clearTimeout(timer);
      assert.equal(status.signal, "SIGSYS", stderr);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "probe guest refuses a QEMU that would run as someone else",
  ignore: await toolsOrSkip([], { root: true }),
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      // A set-user-ID program owned by nobody: it would run as nobody.
      const fake = join(dir, "qemu");
      await Deno.copyFile(
        (await findExecutable("sleep", "/usr/bin:/bin"))!,
        fake,
      );
      await Deno.chown(fake, 65534, 65534);
      await Deno.chmod(fake, 0o4755);
      const result = await probeGuest({
        qemu: fake,
        accel: "tcg",
        timeoutMs: 5_000,
      });
      assert.equal(result.works, false);
      assert.match(result.reason ?? "", /is set-user-ID .* uid 65534/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
