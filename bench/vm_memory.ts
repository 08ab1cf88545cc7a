/**
 * Benchmark: host memory per extra VM, with the template on a plain file
 * and with `run --hugepages`, side by side in one run. Boots N copies of
 * the sleeper app (256 MiB guests of the smoke template) one after the
 * other through the real CLI, and after each reads:
 *   - the summed PSS of the QEMU processes (/proc/PID/smaps_rollup), and
 *   - the host's memory in use: MemTotal − MemAvailable, plus huge pages
 *     taken from the pool (hugetlbfs pages appear in neither).
 * "Per extra VM" is the growth from the first VM to the N-th, divided by
 * N − 1, so what all VMs share (the template's one copy) drops out.
 *
 * Usage (root, from the repository root; uses the VM test cache):
 *   deno run -A bench/vm_memory.ts [--vms 3]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { testDataDir } from "../tests/vm/test_data_dir.ts";
import { finish } from "../tests/cli.ts";
import { sandbox, until } from "../tests/vm/cli_harness.ts";
import { parseMeminfo } from "../lib/vm/mod.ts";

const HUGETLBFS = "/dev/hugepages";
const NR_HUGEPAGES = "/proc/sys/vm/nr_hugepages";

const { values } = parseArgs({
  options: { vms: { type: "string", default: "3" } },
});
const count = Number(values.vms);
if (!Number.isInteger(count) || count < 2) {
  throw new Error("--vms must be a whole number of at least 2");
}
if (Deno.uid() !== 0) throw new Error("run as root (hugetlbfs and pool size)");

interface Sample {
  pssKiB: number;
  usedKiB: number;
}

async function pssKiB(pid: number): Promise<number> {
  const text = await Deno.readTextFile(`/proc/${pid}/smaps_rollup`);
  return Number(/^Pss:\s+(\d+) kB/m.exec(text)?.[1] ?? NaN);
}

async function hostUsedKiB(): Promise<number> {
  const text = await Deno.readTextFile("/proc/meminfo");
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? NaN);
  const pool = parseMeminfo(text);
  const hugeKiB = pool ? (pool.total - pool.free) * pool.pageBytes / 1024 : 0;
  return field("MemTotal") - field("MemAvailable") + hugeKiB;
}

/** Boots `count` sleepers one by one; samples after each is up. */
async function measure(hugepages: boolean): Promise<Sample[]> {
  await using box = await sandbox(testDataDir());
  const built = await finish(box.spawn(["build", "smoke"]));
  if (built.code !== 0) throw new Error(`build failed: ${built.stderr}`);
  const samples: Sample[] = [];
  const runs: Deno.ChildProcess[] = [];
  for (let n = 1; n <= count; n++) {
    runs.push(
      box.spawn([
        "run",
        "--no-build",
        ...(hugepages ? ["--hugepages"] : []),
        "sleeper",
      ]),
    );
    await until(async () => (await box.vms()).length === n, 180_000, `VM ${n}`);
    const vms = await box.vms();
    for (const vm of vms) {
      await until(
        async () =>
          (await finish(box.spawn(["logs", vm.name]))).stdout.includes(
            "starting sh as",
          ),
        120_000,
        `the app in ${vm.name}`,
      );
    }
    // Let the guests settle after boot before sampling.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    let pss = 0;
    for (const vm of vms) pss += await pssKiB(vm.pid);
    samples.push({ pssKiB: pss, usedKiB: await hostUsedKiB() });
  }
  for (const run of runs) run.kill("SIGTERM");
  for (const run of runs) await run.status;
  return samples;
}

function perExtraVm(samples: Sample[], key: keyof Sample): number {
  return (samples.at(-1)![key] - samples[0][key]) / (samples.length - 1);
}

const oldPages = Number((await Deno.readTextFile(NR_HUGEPAGES)).trim());
const mounted = (await Deno.readTextFile("/proc/mounts")).split("\n")
  .some((line) => line.split(" ")[1] === HUGETLBFS);
await Deno.mkdir(HUGETLBFS, { recursive: true });
if (!mounted) {
  await new Deno.Command("mount", {
    args: ["-t", "hugetlbfs", "none", HUGETLBFS],
  }).output();
}
try {
  // 256 pages of 2 MiB: room for the smoke image's copy.
  await Deno.writeTextFile(NR_HUGEPAGES, `${oldPages + 256}\n`);
  const plain = await measure(false);
  const huge = await measure(true);
  const row = (name: string, samples: Sample[]) =>
    `${name.padEnd(12)} PSS/extra VM ${
      (perExtraVm(samples, "pssKiB") / 1024).toFixed(1)
    } MiB, host used/extra VM ${
      (perExtraVm(samples, "usedKiB") / 1024).toFixed(1)
    } MiB, samples ${
      samples.map((s) =>
        `${(s.pssKiB / 1024).toFixed(0)}/${(s.usedKiB / 1024).toFixed(0)}`
      ).join(" ")
    }`;
  console.log(`${count} VMs of 256 MiB each (smoke template, TCG)`);
  console.log(row("plain file", plain));
  console.log(row("hugepages", huge));
  console.log(
    `ratio hugepages / plain: PSS ${
      (perExtraVm(huge, "pssKiB") / perExtraVm(plain, "pssKiB")).toFixed(2)
    }, host used ${
      (perExtraVm(huge, "usedKiB") / perExtraVm(plain, "usedKiB")).toFixed(2)
    }`,
  );
} finally {
  await Deno.writeTextFile(NR_HUGEPAGES, `${oldPages}\n`);
  if (!mounted) {
    await new Deno.Command("umount", { args: [HUGETLBFS] }).output();
  }
}
