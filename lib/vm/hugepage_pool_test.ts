import assert from "node:assert/strict";
import {
  availablePages,
  chooseHugetlbfsMount,
  hugepagesFixMessage,
  hugePagesFor,
  pageSizeMismatchMessage,
  parseHugetlbfsMounts,
  parseMeminfo,
} from "./hugepage_pool.ts";

const MiB = 2 ** 20;

const MEMINFO = `MemTotal:       16318412 kB
MemFree:          512000 kB
AnonHugePages:         0 kB
ShmemHugePages:        0 kB
FileHugePages:    206848 kB
HugePages_Total:      64
HugePages_Free:       40
HugePages_Rsvd:        8
HugePages_Surp:        0
Hugepagesize:       2048 kB
Hugetlb:          131072 kB
`;

Deno.test("parseMeminfo reads the default pool", () => {
  const pool = parseMeminfo(MEMINFO);
  assert.deepEqual(pool, {
    total: 64,
    free: 40,
    reserved: 8,
    pageBytes: 2 * MiB,
  });
  // Free pages already promised to a mapping are not ours to take.
  assert.equal(availablePages(pool!), 32);
  assert.equal(
    parseMeminfo("MemTotal: 1 kB\nAnonHugePages: 0 kB\n"),
    undefined,
    "a kernel without hugetlb support",
  );
});

Deno.test("hugePagesFor rounds up to whole pages", () => {
  assert.equal(hugePagesFor(0, 2 * MiB), 0);
  assert.equal(hugePagesFor(1, 2 * MiB), 1);
  assert.equal(hugePagesFor(2 * MiB, 2 * MiB), 1);
  assert.equal(hugePagesFor(2 * MiB + 1, 2 * MiB), 2);
  assert.equal(hugePagesFor(3 * 2 ** 30, 2 ** 30), 3);
});

Deno.test("parseHugetlbfsMounts finds mounts, page sizes and escaped paths", () => {
  const mounts = parseHugetlbfsMounts(
    [
      "sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0",
      "hugetlbfs /dev/hugepages hugetlbfs rw,nosuid,nodev,relatime,pagesize=2M 0 0",
      "none /mnt/huge\\040pages hugetlbfs rw,relatime,pagesize=1024M 0 0",
      "none /mnt/plain hugetlbfs rw,relatime 0 0",
      "tmpfs /dev/shm tmpfs rw 0 0",
      "",
    ].join("\n"),
  );
  assert.deepEqual(mounts, [
    { dir: "/dev/hugepages", pageBytes: 2 * MiB },
    { dir: "/mnt/huge pages", pageBytes: 2 ** 30 },
    { dir: "/mnt/plain" },
  ]);
  assert.equal(chooseHugetlbfsMount(mounts, 2 * MiB)?.dir, "/dev/hugepages");
  assert.equal(chooseHugetlbfsMount(mounts, 2 ** 30)?.dir, "/mnt/huge pages");
  assert.equal(
    chooseHugetlbfsMount([{ dir: "/a", pageBytes: 2 ** 30 }], 2 * MiB),
    undefined,
  );
});

Deno.test("the fix message names the pages this image needs", () => {
  const pool = { total: 0, free: 0, reserved: 0, pageBytes: 2 * MiB };
  assert.equal(
    hugepagesFixMessage({
      image: "/d/images/smoke/2026-05-01.img",
      imageBytes: 100 * MiB + 1,
      pool,
      dir: "/dev/hugepages",
      mounted: false,
    }),
    "--hugepages: hugetlbfs is not mounted at /dev/hugepages, 0 of 0 huge " +
      "pages are free; the template image 2026-05-01.img (100 MiB) needs 51 " +
      "huge pages of 2 MiB. To fix it, run:\n" +
      "  sudo sysctl vm.nr_hugepages=51\n" +
      "  sudo mkdir -p /dev/hugepages\n" +
      "  sudo mount -t hugetlbfs none /dev/hugepages",
  );
  // Pages others use stay in the pool: 64 - 32 available = 32 in use.
  assert.equal(
    hugepagesFixMessage({
      image: "/d/i.img",
      imageBytes: 80 * MiB,
      pool: parseMeminfo(MEMINFO),
      dir: "/dev/hugepages",
      mounted: true,
    }),
    "--hugepages: 32 of 64 huge pages are free; the template image i.img " +
      "(80 MiB) needs 40 huge pages of 2 MiB. To fix it, run:\n" +
      "  sudo sysctl vm.nr_hugepages=72",
  );
});

Deno.test("a mount of other-size pages is told to mount default-size ones", () => {
  assert.equal(
    pageSizeMismatchMessage({
      dir: "/mnt/huge",
      pageBytes: 2 ** 30,
      defaultPageBytes: 2 * MiB,
    }),
    "--hugepages: hugetlbfs at /mnt/huge has pages of 1024 MiB, not the " +
      "default 2 MiB; mount one with default-size pages:\n" +
      "  sudo mount -t hugetlbfs none /dev/hugepages",
  );
});
