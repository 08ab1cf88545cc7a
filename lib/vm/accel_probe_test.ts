import assert from "node:assert/strict";
import { join } from "node:path";
import {
  PROBE_MARKER,
  probeArgs,
  probeFirmware,
  probeGuest,
} from "./accel_probe.ts";
import { findExecutable } from "../exec/mod.ts";

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

const qemu = await findExecutable(
  "qemu-system-x86_64",
  Deno.env.get("PATH") ?? "",
);

Deno.test({
  name: "probe guest runs under TCG with real QEMU",
  ignore: !qemu,
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
  ignore: !qemu,
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
