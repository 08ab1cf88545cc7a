/**
 * VM tier: builds the guest kernel from the distro's kernel source through
 * the same code path as `qubesify kernel build`, then boots it under QEMU
 * TCG as a micro VM, with ACPI off and on.
 *
 * The build is cached in a persistent data folder (QUBESIFY_TEST_DATA_DIR,
 * default ~/.cache/qubesify-tests/data), so re-runs and CI with a cache
 * only pay for the boots.
 */
import assert from "node:assert/strict";
import { startBareVm } from "./bare_vm.ts";
import { makeBusyboxRoot } from "./busybox_root.ts";
import { KERNEL_SOURCE, testKernel } from "./test_data_dir.ts";
import { toolsOrSkip } from "../require_tools.ts";

const MARKER = "QUBESIFY-BOOT-OK";
const BOOT_TIMEOUT_MS = 90_000;

const ignore = await toolsOrSkip(["qemu-system-x86_64", "mke2fs"], {
  files: [KERNEL_SOURCE, "/usr/bin/busybox"],
});

/**
 * PID 1 of the test guest: prints facts about the kernel, then the marker,
 * then ends the VM: through ACPI when it has ACPI, else by a reboot, which
 * makes QEMU exit because of -no-reboot.
 */
const INIT = `#!/bin/busybox sh
/bin/busybox mount -t tmpfs tmpfs /tmp
/bin/busybox mkdir /tmp/bin
/bin/busybox --install -s /tmp/bin
export PATH=/tmp/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "FACT cpus=$(nproc)"
echo "FACT fwcfg=$(cat /sys/firmware/qemu_fw_cfg/by_name/opt/qubesify/probe/raw 2>/dev/null)"
[ -c /dev/vsock ] && echo "FACT vsock=present"
mkdir /tmp/upper /tmp/work /tmp/merged &&
  mount -t overlay overlay -o lowerdir=/,upperdir=/tmp/upper,workdir=/tmp/work /tmp/merged &&
  touch /tmp/merged/written && echo "FACT overlay=ok"
echo "FACT uptime=$(cut -d' ' -f1 /proc/uptime)"
echo ${MARKER}
if grep -q acpi=off /proc/cmdline; then reboot -f; else poweroff -f; fi
`;

function facts(output: string): Record<string, string> {
  return Object.fromEntries(
    [...output.matchAll(/^FACT (\w+)=(.*?)\r?$/gm)].map((m) => [m[1], m[2]]),
  );
}

Deno.test({
  name: "the micro VM kernel builds from linux-source and boots under TCG",
  ignore,
}, async (t) => {
  const started = performance.now();
  const kernel = await testKernel();
  const { manifest } = kernel;
  console.log(
    `kernel ${manifest.version} in ${kernel.dir}: bzImage ${manifest.bzImageBytes} bytes (${
      (manifest.bzImageBytes / 1024 / 1024).toFixed(2)
    } MiB), built in ${manifest.buildSeconds}s with ${manifest.jobs} jobs${
      kernel.cached
        ? `, taken from the cache in ${
          ((performance.now() - started) / 1000).toFixed(1)
        }s`
        : ""
    }`,
  );

  const scratch = await Deno.makeTempDir({ prefix: "qubesify-boot-" });
  try {
    const rootImage = await makeBusyboxRoot({ dir: scratch, init: INIT });
    const probe = ["-fw_cfg", "name=opt/qubesify/probe,string=fwcfg-ok"];
    const boots = [
      { name: "-M microvm,acpi=off (reboot ends QEMU)", acpi: false },
      { name: "-M microvm with ACPI (poweroff ends QEMU)", acpi: true },
    ];
    for (const boot of boots) {
      await t.step(boot.name, async () => {
        const attempt = async () => {
          const started = performance.now();
          const seconds = () => (performance.now() - started) / 1000;
          await using vm = await startBareVm({
            kernel: kernel.bzImage,
            rootImage,
            acpi: boot.acpi,
            extraArgs: probe,
            timeoutMs: BOOT_TIMEOUT_MS,
          });
          const marker = vm.waitFor(new RegExp(MARKER), BOOT_TIMEOUT_MS);
          const markerSeconds = await marker.then(seconds, () => undefined);
          const { code, timedOut } = await vm.exit;
          return {
            output: vm.output(),
            markerSeconds,
            exitSeconds: seconds(),
            code,
            timedOut,
          };
        };
        // Under TCG on a loaded host an ACPI boot now and then hangs for
        // good right after "tsc: Unable to calibrate against PIT ...
        // Marking TSC unstable" (no timer ticks arrive; run boots with
        // acpi=off, where this was not seen). A boot that hangs
        // before the marker gets another try; any other failure, or three
        // hangs in a row, fails the test.
        let result = await attempt();
        for (
          let retries = 0;
          boot.acpi && retries < 2 && result.timedOut &&
          result.markerSeconds === undefined;
          retries++
        ) {
          console.log(
            `${boot.name}: hung under TCG after:\n${
              result.output.trim().split("\n").slice(-3).join("\n")
            }\nbooting again`,
          );
          result = await attempt();
        }
        const found = facts(result.output);
        console.log(
          `${boot.name}: marker after ${
            result.markerSeconds?.toFixed(2)
          }s, QEMU exited after ${
            result.exitSeconds.toFixed(2)
          }s, guest uptime at marker ${found.uptime}s`,
        );
        const context = `\n--- console ---\n${result.output.slice(-4000)}`;
        assert.ok(result.markerSeconds !== undefined, `no ${MARKER}${context}`);
        assert.equal(result.timedOut, false, `QEMU did not exit${context}`);
        assert.equal(result.code, 0, context);
        assert.equal(found.cpus, "2", `SMP${context}`);
        assert.equal(found.overlay, "ok", `overlayfs on tmpfs${context}`);
        assert.equal(found.vsock, "present", `vsock core${context}`);
        // Only ACPI tells the kernel where fw_cfg is. (With acpi=off,
        // qemu_fw_cfg.ioport=12@0x510:0:1:4 registers the device but its
        // probe fails with EBUSY on 6.1, so that mode is not asserted.)
        if (boot.acpi) {
          assert.equal(found.fwcfg, "fwcfg-ok", `fw_cfg in sysfs${context}`);
        }
      });
    }
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
});
