/**
 * Benchmark: from starting QEMU to the app's first line of output, for the
 * smoke template booted by our kernel and, side by side in the same run,
 * by Debian's stock cloud kernel (linux-image-cloud-amd64: virtio drivers
 * are modules, so it boots with a small initramfs that loads them). Each
 * boots the way it can: ours as `run` does, with ACPI off and the devices
 * on the command line; the cloud kernel has no virtio-mmio command-line
 * devices, so it needs ACPI on.
 *
 * Usage (root, from the repository root; uses the VM test cache):
 *   deno run -A bench/boot_to_first_line.ts [--runs 5]
 *
 * Prints the median of each and the ratio cloud / ours. Under TCG the
 * numbers are slow for both; the ratio is what to compare.
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildKernel } from "../lib/kernel/mod.ts";
import { ensureImage } from "../lib/image/mod.ts";
import { bootVm, chooseAccel } from "../lib/vm/mod.ts";
import { findExecutable } from "../lib/exec/mod.ts";
import {
  loadCatalog,
  resolveApp,
  shippedRecipeDirectory,
} from "../lib/recipe/mod.ts";
import { testDataDir } from "../tests/vm/test_data_dir.ts";
import { mustRun } from "../tests/must_run.ts";

const CLOUD_PACKAGE = "linux-image-cloud-amd64";
/** Module load order: dependencies first. */
const CLOUD_MODULES = [
  "virtio_ring",
  "virtio",
  "virtio_mmio",
  "virtio_blk",
  "virtio_console",
  "overlay",
];

const { values } = parseArgs({
  options: { runs: { type: "string", default: "5" } },
});
const runs = Number(values.runs);
const path = Deno.env.get("PATH") ?? "";
const qemu = await findExecutable("qemu-system-x86_64", path);
if (!qemu) throw new Error("qemu-system-x86_64 is needed");
const dataDir = testDataDir();
const report = (line: string) =>
  Deno.stderr.writeSync(new TextEncoder().encode(line));

const ours = (await buildKernel({ dataDir, report })).bzImage;
const catalog = await loadCatalog([shippedRecipeDirectory()]);
const { template } = resolveApp(catalog, "smoke");
const { image } = await ensureImage({
  dataDir,
  template,
  uses: { display: false, audio: false },
  report,
  uid: Deno.uid() ?? 0,
  path,
});
const { accel } = await chooseAccel({ qemu });

const work = await Deno.makeTempDir({ prefix: "qubesify-bench-" });
try {
  const cloud = await prepareCloudKernel(work);
  const results: Record<string, (number | undefined)[]> = {
    ours: [],
    cloud: [],
  };
  for (let run = 0; run < runs; run++) {
    // Interleaved, so drift on the machine hits both alike.
    results.ours.push(await firstLineMs({ kernel: ours, acpi: false }));
    results.cloud.push(await firstLineMs({ ...cloud, acpi: true }));
  }
  const ourMedian = median(results.ours);
  const cloudMedian = median(results.cloud);
  console.log(
    `accelerator: ${accel}, runs: ${runs}, image: ${image.manifest.version}`,
  );
  console.log(
    `ours  (${
      (await Deno.stat(ours)).size
    } B bzImage): median ${ourMedian} ms  [${
      results.ours.map((v) => v ?? "hung").join(", ")
    }]`,
  );
  console.log(
    `cloud (${cloud.version}, + initramfs): median ${cloudMedian} ms  [${
      results.cloud.map((v) => v ?? "hung").join(", ")
    }]`,
  );
  console.log(
    typeof cloudMedian === "number" && typeof ourMedian === "number"
      ? `ratio cloud / ours: ${(cloudMedian / ourMedian).toFixed(2)}`
      : "ratio cloud / ours: n/a (every boot of one kernel hung)",
  );
} finally {
  await Deno.remove(work, { recursive: true });
}

/**
 * Milliseconds from spawning QEMU to the first byte of the app's output;
 * undefined when the boot hung past the timeout.
 */
async function firstLineMs(
  boot: { kernel: string; initrd?: string; acpi: boolean },
): Promise<number | undefined> {
  const workDir = await Deno.makeTempDir({ prefix: "qubesify-bench-vm-" });
  try {
    const started = performance.now();
    let firstOutput: number | undefined;
    const result = await bootVm({
      qemu: qemu!,
      kernel: boot.kernel,
      initrd: boot.initrd,
      rootImage: image.path,
      memoryBytes: 256 * 2 ** 20,
      cpus: 1,
      accel,
      acpi: boot.acpi,
      network: { mode: "none" },
      spec: {
        hostname: "bench",
        user: "user",
        argv: ["echo", "first line"],
        env: {},
        display: "none",
        audio: "none",
      },
      workDir,
      timeoutMs: 60_000,
      onAppOutput: () => firstOutput ??= performance.now(),
    });
    // Boots with ACPI on hang now and then under TCG (seen for both
    // kernels); they are counted, not averaged in.
    if (result.timedOut) return undefined;
    if (result.report.kind !== "exit" || firstOutput === undefined) {
      const serial = await Deno.readTextFile(result.serialLog).catch(() => "");
      throw new Error(
        `boot of ${boot.kernel} failed after ${result.elapsedMs} ms (report ${
          JSON.stringify(result.report)
        }, timed out: ${result.timedOut}, QEMU: ${
          result.qemuStderr || result.qemuCode
        }):\n${serial.slice(-2000)}`,
      );
    }
    return Math.round(firstOutput - started);
  } finally {
    await Deno.remove(workDir, { recursive: true });
  }
}

/** Downloads the cloud kernel package and builds an initramfs for it. */
async function prepareCloudKernel(dir: string) {
  const download = await mustRun("apt-get", ["download", CLOUD_PACKAGE], {
    cwd: dir,
  });
  const meta = (await Deno.readDir(dir)[Symbol.asyncIterator]().next()).value;
  if (!meta) {
    throw new Error(
      `apt-get download ${CLOUD_PACKAGE} gave nothing: ${download}`,
    );
  }
  // The meta package names the real one.
  const depends = await mustRun("dpkg-deb", [
    "-f",
    join(dir, meta.name),
    "Depends",
  ]);
  const real = depends.trim().split(/[ ,(]/)[0];
  await mustRun("apt-get", ["download", real], { cwd: dir });
  const deb = [...Deno.readDirSync(dir)].find((e) =>
    e.name.startsWith(`${real}_`)
  )!;
  const root = join(dir, "root");
  await mustRun("dpkg-deb", ["-x", join(dir, deb.name), root], { cwd: dir });
  const version = real.replace(/^linux-image-/, "");
  const modules = join(root, "lib/modules", version, "kernel");
  const initramfs = join(dir, "initramfs");
  await Deno.mkdir(join(initramfs, "bin"), { recursive: true });
  await Deno.mkdir(join(initramfs, "modules"));
  await Deno.copyFile("/usr/bin/busybox", join(initramfs, "bin/busybox"));
  for (const name of CLOUD_MODULES) {
    const found = (await mustRun("find", [modules, "-name", `${name}.ko*`]))
      .split("\n")[0];
    if (!found) throw new Error(`module ${name} not in ${real}`);
    await Deno.copyFile(found, join(initramfs, "modules", `${name}.ko`));
  }
  await Deno.writeTextFile(
    join(initramfs, "init"),
    `#!/bin/busybox sh
/bin/busybox mkdir -p /proc /dev /root
/bin/busybox mount -t devtmpfs dev /dev
for module in ${
      CLOUD_MODULES.join(" ")
    }; do /bin/busybox insmod /modules/$module.ko; done
n=0
while [ ! -b /dev/vda ] && [ $n -lt 200 ]; do /bin/busybox sleep 0.05; n=$((n + 1)); done
/bin/busybox mount -t ext4 -o ro /dev/vda /root
/bin/busybox umount /dev
exec /bin/busybox switch_root /root /usr/lib/qubesify/init
`,
  );
  await Deno.chmod(join(initramfs, "init"), 0o755);
  const list = await mustRun("find", ["."], { cwd: initramfs });
  await mustRun("cpio", [
    "--create",
    "--format=newc",
    "--quiet",
    "--owner=0:0",
    `--file=${join(dir, "initrd.cpio")}`,
  ], { cwd: initramfs, stdin: new TextEncoder().encode(list) });
  return {
    kernel: join(root, "boot", `vmlinuz-${version}`),
    initrd: join(dir, "initrd.cpio"),
    version,
  };
}

/** Median of the boots that finished; "n/a" when none did. */
function median(values: (number | undefined)[]): number | string {
  const sorted = values.filter((v) => v !== undefined).sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)] : "n/a";
}
