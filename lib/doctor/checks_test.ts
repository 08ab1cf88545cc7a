import assert from "node:assert/strict";
import { join } from "node:path";
import { bareHost } from "./_test_host.ts";
import {
  checkHugepages,
  checkKernelTools,
  checkKvm,
  checkMke2fs,
  checkMmdebstrap,
  checkPulse,
  checkQemu,
  checkTap,
  checkVhostVsock,
  checkWayland,
  checkWaypipe,
} from "./checks.ts";
import type { GuestProbeOptions } from "../vm/mod.ts";

const scratch = await Deno.makeTempDir({ prefix: "qubesify-doctor-test-" });
globalThis.addEventListener("unload", () => {
  Deno.removeSync(scratch, { recursive: true });
});

function tempDir(): Promise<string> {
  return Deno.makeTempDir({ dir: scratch });
}

/** A temp dir with fake programs (shell scripts printing fixed text). */
async function fakeBin(programs: Record<string, string>): Promise<string> {
  const dir = await tempDir();
  for (const [name, script] of Object.entries(programs)) {
    const path = join(dir, name);
    await Deno.writeTextFile(path, `#!/bin/sh\n${script}\n`);
    await Deno.chmod(path, 0o755);
  }
  return dir;
}

Deno.test("qemu: present and new enough, too old, missing", async () => {
  const good = await fakeBin({
    "qemu-system-x86_64": 'echo "QEMU emulator version 7.2.22 (Debian)"',
  });
  const old = await fakeBin({
    "qemu-system-x86_64": 'echo "QEMU emulator version 6.2.0"',
  });
  const ok = await checkQemu(bareHost({ path: good }));
  assert.equal(ok.finding, "ok");
  assert.equal(ok.detail, "QEMU 7.2.22");
  const tooOld = await checkQemu(bareHost({ path: old }));
  assert.equal(tooOld.finding, "missing");
  assert.match(tooOld.detail, /QEMU 6\.2\.0 is too old; need 7\.2/);
  const missing = await checkQemu(bareHost());
  assert.equal(missing.finding, "missing");
  assert.deepEqual(missing.fix, {
    fedora: "sudo rpm-ostree install qemu-system-x86-core",
    debian: "sudo apt install qemu-system-x86",
  });
});

Deno.test("mke2fs: tarball support decides ok or degraded", async () => {
  const old = await fakeBin({
    mke2fs: 'echo "mke2fs 1.47.0 (5-Feb-2023)" >&2',
  });
  const current = await fakeBin({
    mke2fs: 'echo "mke2fs 1.47.1 (20-May-2024)" >&2',
  });
  assert.equal(
    (await checkMke2fs(bareHost({ path: old }))).finding,
    "degraded",
  );
  const ok = await checkMke2fs(bareHost({ path: current }));
  assert.equal(ok.finding, "ok");
  assert.match(ok.detail, /accepts a tarball/);
  assert.equal((await checkMke2fs(bareHost())).finding, "missing");
});

Deno.test("waypipe: version and --title-prefix", async () => {
  const old = await fakeBin({
    waypipe:
      'case "$1" in --version) echo "waypipe 0.8.4";; *) echo "  -c, --compress";; esac',
  });
  const current = await fakeBin({
    waypipe:
      'case "$1" in --version) echo "waypipe 0.9.2";; *) echo "  --vsock"; echo "  --title-prefix";; esac',
  });
  const degraded = await checkWaypipe(bareHost({ path: old }));
  assert.equal(degraded.finding, "degraded");
  assert.match(degraded.detail, /waypipe 0\.8\.4 has no --title-prefix/);
  const ok = await checkWaypipe(bareHost({ path: current }));
  assert.equal(ok.detail, "waypipe 0.9.2 (--vsock, --title-prefix)");
  assert.equal((await checkWaypipe(bareHost())).finding, "missing");
});

Deno.test("mmdebstrap: rootless builds need newuidmap", async () => {
  const bare = await fakeBin({ mmdebstrap: 'echo "mmdebstrap 1.3.5"' });
  const withMap = await fakeBin({
    mmdebstrap: 'echo "mmdebstrap 1.3.5"',
    newuidmap: "true",
  });
  const noMap = await checkMmdebstrap(bareHost({ path: bare }));
  assert.equal(noMap.finding, "missing");
  assert.equal(noMap.fix?.debian, "sudo apt install uidmap");
  assert.equal(
    (await checkMmdebstrap(bareHost({ path: bare, uid: 0 }))).finding,
    "ok",
  );
  const ok = await checkMmdebstrap(bareHost({ path: withMap }));
  assert.equal(ok.detail, "mmdebstrap 1.3.5");
});

Deno.test("kernel tools: every missing tool is named with one install line", async () => {
  const some = await fakeBin({ gcc: "true", make: "true", tar: "true" });
  const outcome = await checkKernelTools(bareHost({ path: some }));
  assert.equal(outcome.finding, "missing");
  assert.equal(outcome.detail, "missing: flex, bison, bc, xz, libelf headers");
  assert.equal(
    outcome.fix?.debian,
    "sudo apt install flex bison bc xz-utils libelf-dev",
  );
  assert.equal(
    outcome.fix?.fedora,
    "sudo rpm-ostree install flex bison bc xz elfutils-libelf-devel",
  );
  const include = await tempDir();
  await Deno.writeTextFile(join(include, "gelf.h"), "");
  const all = await fakeBin(
    Object.fromEntries(
      ["gcc", "make", "flex", "bison", "bc", "tar", "xz"].map((
        p,
      ) => [p, "true"]),
    ),
  );
  const ok = await checkKernelTools(
    bareHost({ path: all, includeDirs: [include] }),
  );
  assert.equal(ok.finding, "ok");
});

Deno.test("wayland and pulse: real sockets in the runtime dir", async () => {
  const runtime = await tempDir();
  assert.equal(
    (await checkWayland(bareHost({ runtimeDir: runtime }))).finding,
    "missing",
  );
  assert.equal(
    (await checkPulse(bareHost({ runtimeDir: runtime }))).finding,
    "missing",
  );
  assert.match(
    (await checkWayland(bareHost())).detail,
    /XDG_RUNTIME_DIR is not set/,
  );
  await Deno.mkdir(join(runtime, "pulse"));
  const listeners = [
    Deno.listen({ transport: "unix", path: join(runtime, "wayland-1") }),
    Deno.listen({ transport: "unix", path: join(runtime, "pulse", "native") }),
  ];
  try {
    const wayland = await checkWayland(
      bareHost({ runtimeDir: runtime, waylandDisplay: "wayland-1" }),
    );
    assert.equal(wayland.finding, "ok");
    assert.equal(wayland.detail, join(runtime, "wayland-1"));
    assert.equal(
      (await checkPulse(bareHost({ runtimeDir: runtime }))).finding,
      "ok",
    );
    // A regular file is not a compositor.
    await Deno.writeTextFile(join(runtime, "wayland-0"), "");
    assert.equal(
      (await checkWayland(bareHost({ runtimeDir: runtime }))).finding,
      "missing",
    );
  } finally {
    for (const listener of listeners) listener.close();
  }
});

Deno.test("hugepages: mount and reservation both needed", async () => {
  const dir = await tempDir();
  const mounts = join(dir, "mounts");
  const meminfo = join(dir, "meminfo");
  const files = { ...bareHost().files, mounts, meminfo };
  await Deno.writeTextFile(mounts, "proc /proc proc rw 0 0\n");
  await Deno.writeTextFile(
    meminfo,
    "HugePages_Total:     512\nHugePages_Free:      512\n" +
      "Hugepagesize:       2048 kB\n",
  );
  const unmounted = await checkHugepages(bareHost({ files }));
  assert.equal(unmounted.detail, "hugetlbfs is not mounted");
  await Deno.writeTextFile(
    mounts,
    "hugetlbfs /dev/hugepages hugetlbfs rw 0 0\n",
  );
  const ok = await checkHugepages(bareHost({ files }));
  assert.equal(ok.finding, "ok");
  assert.equal(ok.detail, "512 × 2 MiB pages, hugetlbfs at /dev/hugepages");
  await Deno.writeTextFile(
    meminfo,
    "HugePages_Total:       0\nHugePages_Free:        0\n" +
      "Hugepagesize:       2048 kB\n",
  );
  assert.equal(
    (await checkHugepages(bareHost({ files }))).detail,
    "no huge pages are reserved",
  );
  await Deno.writeTextFile(meminfo, "MemTotal:       16318412 kB\n");
  assert.equal(
    (await checkHugepages(bareHost({ files }))).detail,
    "no huge pages are reserved",
    "a kernel without hugetlb support",
  );
});

Deno.test("tap: device mode bits decide access", async () => {
  const dir = await tempDir();
  const tun = join(dir, "tun");
  await Deno.writeTextFile(tun, "");
  const owner = (await Deno.stat(tun)).uid ?? 0;
  const files = { ...bareHost().files, tun };
  const stranger = { uid: owner + 1, gid: 4242, files };
  await Deno.chmod(tun, 0o600);
  assert.equal(
    (await checkTap(bareHost(stranger))).detail,
    `${tun}: permission denied`,
  );
  assert.equal(
    (await checkTap(bareHost({ ...stranger, uid: 0 }))).finding,
    "ok",
  );
  await Deno.chmod(tun, 0o666);
  assert.equal((await checkTap(bareHost(stranger))).finding, "ok");
  assert.equal(
    (await checkTap(bareHost())).detail,
    "/nonexistent/tun: does not exist",
  );
});

Deno.test("kvm: the probe guest decides, and its error picks the fix", async () => {
  const dir = await tempDir();
  const kvm = join(dir, "kvm");
  await Deno.writeTextFile(kvm, "");
  const path = await fakeBin({ "qemu-system-x86_64": "true" });
  const files = { ...bareHost().files, kvm };
  const seen: GuestProbeOptions["accel"][] = [];
  const works = await checkKvm(bareHost({
    path,
    files,
    probeGuest: (options) => {
      seen.push(options.accel);
      return Promise.resolve({ works: true, elapsedMs: 42 });
    },
  }));
  assert.deepEqual(seen, ["kvm"]);
  assert.equal(works.detail, "a probe guest started in 42 ms");
  const hangs = await checkKvm(bareHost({
    path,
    files,
    probeGuest: () =>
      Promise.resolve({
        works: false,
        elapsedMs: 5000,
        reason: "the guest did not start within 5000 ms",
      }),
  }));
  assert.equal(hangs.finding, "missing");
  assert.match(hangs.detail, /did not start within 5000 ms.*TCG/);
  assert.match(hangs.fix?.debian ?? "", /nested/);
  const denied = await checkKvm(bareHost({
    path,
    files,
    probeGuest: () =>
      Promise.resolve({
        works: false,
        elapsedMs: 3,
        reason: "Could not access KVM kernel module: Permission denied",
      }),
  }));
  assert.match(denied.fix?.fedora ?? "", /usermod -aG kvm/);
  assert.match((await checkKvm(bareHost())).detail, /does not exist/);
  const noQemu = await checkKvm(bareHost({ files }));
  assert.equal(noQemu.finding, "degraded");
  assert.equal(
    noQemu.detail,
    `${kvm} exists, but without QEMU no guest could probe it`,
  );
  assert.equal(noQemu.fix?.debian, "sudo apt install qemu-system-x86");
});

Deno.test("vhost-vsock: probed with a vhost-vsock device", async () => {
  const dir = await tempDir();
  const vhostVsock = join(dir, "vhost-vsock");
  await Deno.writeTextFile(vhostVsock, "");
  await Deno.chmod(vhostVsock, 0o666);
  const path = await fakeBin({ "qemu-system-x86_64": "true" });
  const files = { ...bareHost().files, vhostVsock };
  let args: string[] = [];
  const ok = await checkVhostVsock(bareHost({
    path,
    files,
    probeGuest: (options) => {
      args = options.extraArgs ?? [];
      return Promise.resolve({ works: true, elapsedMs: 1 });
    },
  }));
  assert.equal(ok.finding, "ok");
  assert.equal(args[0], "-device");
  assert.match(args[1], /^vhost-vsock-device,guest-cid=\d+$/);
  const failing = await checkVhostVsock(bareHost({
    path,
    files,
    probeGuest: () =>
      Promise.resolve({
        works: false,
        elapsedMs: 1,
        reason: "vhost-vsock: failed to open vhost device: Permission denied",
      }),
  }));
  assert.equal(failing.finding, "missing");
  assert.match(failing.detail, /Permission denied/);
  const noQemu = await checkVhostVsock(bareHost({ files }));
  assert.equal(noQemu.finding, "degraded");
  assert.match(noQemu.detail, /without QEMU no guest could probe it/);
});
