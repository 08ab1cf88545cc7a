import assert from "node:assert/strict";
import { join } from "node:path";
import { acquireHugepageCopy, releaseHugepageCopy } from "./hugepage_copy.ts";
import { HugepagesUnavailableError } from "./hugepage_pool.ts";
import { vmRecordPath } from "../state/mod.ts";

const MiB = 2 ** 20;

Deno.test("acquire refuses a folder that is not a hugetlbfs mount, leaving no marker", async () => {
  const root = await Deno.makeTempDir({ prefix: "qubesify-hugepages-test-" });
  try {
    const runtimeDir = join(root, "runtime");
    await Deno.mkdir(join(runtimeDir, "smoke-1"), { recursive: true });
    const image = join(root, "smoke.img");
    await Deno.writeFile(image, new Uint8Array(3 * MiB));
    const hugetlbfsDir = join(root, "not-hugetlbfs");
    await assert.rejects(
      acquireHugepageCopy({
        image,
        hugetlbfsDir,
        runtimeDir,
        vmName: "smoke-1",
      }),
      (error) =>
        error instanceof HugepagesUnavailableError &&
        error.message.includes(`hugetlbfs is not mounted at ${hugetlbfsDir}`) &&
        error.message.includes(
          `sudo mount -t hugetlbfs none ${hugetlbfsDir}`,
        ) &&
        /sudo sysctl vm\.nr_hugepages=\d+/.test(error.message),
    );
    assert.deepEqual([...Deno.readDirSync(join(runtimeDir, "smoke-1"))], []);
    // Releasing after a failed acquire is harmless.
    await releaseHugepageCopy({ hugetlbfsDir, runtimeDir, vmName: "smoke-1" });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("release keeps a copy a live owner or live QEMU uses, removes it with the last", async () => {
  const root = await Deno.makeTempDir({ prefix: "qubesify-hugepages-test-" });
  try {
    // The sweep works on any folder: plain files stand in for hugetlbfs.
    const hugetlbfsDir = join(root, "huge");
    const runtimeDir = join(root, "runtime");
    await Deno.mkdir(hugetlbfsDir);
    for (const vm of ["a-1", "b-1"]) {
      await Deno.mkdir(join(runtimeDir, vm), { recursive: true });
    }
    const copy = join(hugetlbfsDir, "qubesify-0-smoke.img-0");
    const partial = join(hugetlbfsDir, ".qubesify-0-smoke.img-0.partial");
    const registration = join(runtimeDir, ".hugepages-qubesify-0-smoke.img-0");
    await Deno.writeTextFile(copy, "");
    await Deno.writeTextFile(partial, "");
    await Deno.writeTextFile(registration, JSON.stringify({ copy }));
    const gone = new Deno.Command("true").spawn();
    await gone.status;
    const useBy = (owner: number, qemu?: number) =>
      Promise.all([
        Deno.writeTextFile(
          join(runtimeDir, "a-1", "hugepages.json"),
          JSON.stringify({ copy, ownerPid: owner }),
        ),
        Deno.writeTextFile(
          vmRecordPath(runtimeDir, "a-1"),
          JSON.stringify({ pid: qemu }),
        ),
      ]);
    const release = () =>
      releaseHugepageCopy({ hugetlbfsDir, runtimeDir, vmName: "b-1" });
    const exists = (path: string) =>
      Deno.stat(path).then(() => true, () => false);

    await useBy(Deno.pid);
    await release();
    assert.ok(await exists(copy), "its owner runs");
    await useBy(gone.pid, Deno.pid);
    await release();
    assert.ok(await exists(copy), "its QEMU runs");
    assert.ok(await exists(registration));

    await useBy(gone.pid);
    await release();
    for (const path of [copy, partial, registration]) {
      assert.equal(await exists(path), false, `${path} is removed`);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
