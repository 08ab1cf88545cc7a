/**
 * VM tier: `qubesify run --hugepages` through the real CLI under the
 * orchestrator's permission set. Needs root, to mount hugetlbfs and size
 * the huge page pool (both are put back as they were).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  acquireHugepageCopy,
  availablePages,
  parseHugetlbfsMounts,
  parseMeminfo,
  releaseHugepageCopy,
} from "../../lib/vm/mod.ts";
import { KERNEL_SOURCE, testDataDir } from "./test_data_dir.ts";
import { finish } from "../cli.ts";
import { sandbox, until } from "./cli_harness.ts";
import { toolsOrSkip } from "../require_tools.ts";

const HUGETLBFS = "/dev/hugepages";
const NR_HUGEPAGES = "/proc/sys/vm/nr_hugepages";

// Root mounts hugetlbfs and sizes the huge page pool.
const ignoreCopies = await toolsOrSkip([], {
  root: true,
  files: [NR_HUGEPAGES],
});
const ignoreRun = await toolsOrSkip(["qemu-system-x86_64", "mmdebstrap"], {
  root: true,
  files: [NR_HUGEPAGES, KERNEL_SOURCE],
});

async function runRoot(program: string, args: string[]) {
  const output = await new Deno.Command(program, { args, stdin: "null" })
    .output();
  assert.equal(
    output.code,
    0,
    `${program} ${args.join(" ")}: ${new TextDecoder().decode(output.stderr)}`,
  );
}

async function pool() {
  const pool = parseMeminfo(await Deno.readTextFile("/proc/meminfo"));
  assert.ok(pool, "HugePages_* in /proc/meminfo");
  return pool;
}

async function setHugepages(count: number) {
  await Deno.writeTextFile(NR_HUGEPAGES, `${count}\n`);
}

function qubesifyCopies(): string[] {
  return [...Deno.readDirSync(HUGETLBFS)].map((entry) => entry.name)
    .filter((name) => /^\.?qubesify-/.test(name)).sort();
}

Deno.test({
  name:
    "run --hugepages: two VMs share one hugetlbfs copy, gone after the last; too few pages fail clearly",
  ignore: ignoreRun,
}, async (t) => {
  const box = await sandbox(testDataDir());
  const { runtime, spawn } = box;
  const records = () => box.vms();
  const oldPages = Number((await Deno.readTextFile(NR_HUGEPAGES)).trim());
  const createdDir = !await Deno.stat(HUGETLBFS).then(() => true, () => false);
  const mounted = parseHugetlbfsMounts(
    await Deno.readTextFile("/proc/mounts"),
  ).some((mount) => mount.dir === HUGETLBFS);
  let weMounted = false;
  let copies = (): string[] => [];
  try {
    if (createdDir) await Deno.mkdir(HUGETLBFS);
    if (!mounted) {
      await runRoot("mount", ["-t", "hugetlbfs", "none", HUGETLBFS]);
      weMounted = true;
    }
    // Copies of this user's real VMs, if any, are none of the test's business.
    const foreign = new Set(qubesifyCopies());
    copies = () => qubesifyCopies().filter((name) => !foreign.has(name));

    const built = await finish(spawn(["build", "smoke"]));
    assert.equal(built.code, 0, built.stderr);
    const [image] = JSON.parse(
      (await finish(spawn(["image", "ls", "--json"]))).stdout,
    ).filter((i: { template: string; current: boolean }) =>
      i.template === "smoke" && i.current
    ) as { path: string; sha256: string }[];
    const imageBytes = (await Deno.stat(image.path)).size;
    const pageBytes = (await pool()).pageBytes;
    const needed = Math.ceil(imageBytes / pageBytes);

    await t.step(
      "too few huge pages: a clear error before booting",
      async () => {
        await setHugepages(0);
        const { total, free, reserved } = await pool();
        // Pages still in use by others stay in the pool the fix asks for.
        const expected = total - (free - reserved) + needed;
        const run = await finish(
          spawn(["run", "--no-build", "--hugepages", "smoke", "--", "3"]),
        );
        assert.equal(run.code, 1, run.stderr);
        assert.match(
          run.stderr,
          new RegExp(
            `qubesify run: --hugepages: .*needs ${needed} huge pages of ` +
              `${pageBytes / 2 ** 20} MiB\\. To fix it, run:\\n` +
              `  sudo sysctl vm\\.nr_hugepages=${expected}\\n`,
          ),
        );
        assert.equal(run.stdout, "", "the app never ran");
        assert.deepEqual(copies(), []);
        assert.deepEqual([...Deno.readDirSync(runtime)], []);
      },
    );

    await setHugepages(oldPages + needed + 2);
    const availableBefore = availablePages(await pool());
    assert.ok(
      availableBefore >= needed,
      `the kernel reserved too few huge pages: ${availableBefore} free`,
    );
    const first = spawn(["run", "--no-build", "--hugepages", "sleeper"]);
    const second = spawn(["run", "--no-build", "--hugepages", "sleeper"]);
    await t.step("two VMs at once boot from one shared copy", async () => {
      await until(
        async () => (await records()).length === 2,
        120_000,
        "two VMs",
      );
      const ours = copies();
      assert.equal(ours.length, 1, `one copy, not ${ours.join(", ")}`);
      const copy = `${HUGETLBFS}/${ours[0]}`;
      for (const vm of await records()) {
        const argv = (await Deno.readTextFile(`/proc/${vm.pid}/cmdline`))
          .split("\0");
        assert.ok(
          argv.some((arg) =>
            arg.includes(`file=${copy},`) &&
            arg.includes("read-only=on")
          ),
          `${vm.name} boots from ${copy}: ${argv.join(" ")}`,
        );
      }
      // The copy is the image, padded with zeros to whole huge pages.
      const bytes = await Deno.readFile(copy);
      assert.equal(bytes.length, needed * pageBytes);
      assert.equal(
        createHash("sha256").update(bytes.subarray(0, imageBytes)).digest(
          "hex",
        ),
        image.sha256,
      );
      assert.ok(bytes.subarray(imageBytes).every((byte) => byte === 0));
      assert.equal(
        availableBefore - availablePages(await pool()),
        needed,
        "the copy's pages are taken from the pool once",
      );
      // The app must have installed its SIGTERM trap before the next step.
      for (const vm of await records()) {
        await until(
          async () =>
            (await finish(spawn(["logs", vm.name]))).stdout.includes(
              "starting sh as user",
            ),
          60_000,
          `the app in ${vm.name} to start`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    });

    await t.step(
      "the copy stays while one VM runs, goes with the last",
      async () => {
        first.kill("SIGTERM");
        assert.equal((await finish(first)).code, 5);
        assert.equal(copies().length, 1, "the other VM still uses it");
        second.kill("SIGTERM");
        assert.equal((await finish(second)).code, 5);
        assert.deepEqual(copies(), []);
        assert.deepEqual([...Deno.readDirSync(runtime)], []);
        assert.equal(
          availablePages(await pool()),
          availableBefore,
          "the copy's huge pages are free again",
        );
      },
    );
  } finally {
    // Kills QEMU first: it holds the copy open (and the mount busy).
    await box[Symbol.asyncDispose]();
    for (const name of copies()) {
      await Deno.remove(`${HUGETLBFS}/${name}`).catch(() => {});
    }
    await setHugepages(oldPages);
    if (weMounted) {
      await until(
        () =>
          new Deno.Command("umount", { args: [HUGETLBFS], stderr: "null" })
            .output().then((output) => output.success),
        10_000,
        `umount ${HUGETLBFS}`,
      );
    }
    if (createdDir) await Deno.remove(HUGETLBFS);
  }
});

Deno.test({
  name:
    "hugepage copies: shared, kept while used, removed when their owner crashed",
  ignore: ignoreCopies,
}, async () => {
  const root = await Deno.makeTempDir({ prefix: "qubesify-huge-copy-test-" });
  const oldPages = Number((await Deno.readTextFile(NR_HUGEPAGES)).trim());
  const createdDir = !await Deno.stat(HUGETLBFS).then(() => true, () => false);
  const weMount = !parseHugetlbfsMounts(
    await Deno.readTextFile("/proc/mounts"),
  ).some((mount) => mount.dir === HUGETLBFS);
  let copies = (): string[] => [];
  try {
    if (createdDir) await Deno.mkdir(HUGETLBFS);
    if (weMount) await runRoot("mount", ["-t", "hugetlbfs", "none", HUGETLBFS]);
    const foreign = new Set(qubesifyCopies());
    copies = () => qubesifyCopies().filter((name) => !foreign.has(name));
    const runtimeDir = `${root}/runtime`;
    for (const vm of ["a-1", "a-2", "b-1"]) {
      await Deno.mkdir(`${runtimeDir}/${vm}`, { recursive: true });
    }
    // 3 MiB and a bit: two huge pages, the second only partly used.
    const a = `${root}/a.img`;
    const b = `${root}/b.img`;
    const content = crypto.getRandomValues(new Uint8Array(65536));
    await Deno.writeFile(a, new Uint8Array(3 * 2 ** 20 + 5).fill(7));
    await Deno.writeFile(b, content);
    const { pageBytes } = await pool();
    await setHugepages(oldPages + 8);
    const options = (vmName: string) => ({
      hugetlbfsDir: HUGETLBFS,
      runtimeDir,
      vmName,
    });

    const copyA = await acquireHugepageCopy({ ...options("a-1"), image: a });
    assert.equal(
      await acquireHugepageCopy({ ...options("a-2"), image: a }),
      copyA,
    );
    const bytes = await Deno.readFile(copyA);
    assert.equal(
      bytes.length,
      Math.ceil((3 * 2 ** 20 + 5) / pageBytes) * pageBytes,
    );
    assert.ok(bytes.subarray(0, 3 * 2 ** 20 + 5).every((byte) => byte === 7));
    assert.ok(bytes.subarray(3 * 2 ** 20 + 5).every((byte) => byte === 0));
    await releaseHugepageCopy(options("a-1"));
    assert.deepEqual(copies(), [copyA.slice(HUGETLBFS.length + 1)]);

    // a-2's owner dies without releasing: its marker names a dead pid.
    const gone = new Deno.Command("true").spawn();
    await gone.status;
    await Deno.writeTextFile(
      `${runtimeDir}/a-2/hugepages.json`,
      JSON.stringify({ copy: copyA, ownerPid: gone.pid }),
    );
    const copyB = await acquireHugepageCopy({ ...options("b-1"), image: b });
    assert.deepEqual(copies(), [copyB.slice(HUGETLBFS.length + 1)]);
    assert.deepEqual(
      (await Deno.readFile(copyB)).subarray(0, content.length),
      content,
    );
    await releaseHugepageCopy(options("b-1"));
    await releaseHugepageCopy(options("a-2"));
    assert.deepEqual(copies(), []);
    assert.deepEqual(
      [...Deno.readDirSync(runtimeDir)].filter((entry) => entry.isFile),
      [],
      "no registration is left",
    );
  } finally {
    for (const name of copies()) {
      await Deno.remove(`${HUGETLBFS}/${name}`).catch(() => {});
    }
    await setHugepages(oldPages);
    if (weMount) await runRoot("umount", [HUGETLBFS]);
    if (createdDir) await Deno.remove(HUGETLBFS);
    await Deno.remove(root, { recursive: true });
  }
});
