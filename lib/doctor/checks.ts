/**
 * The individual doctor checks. Each looks at the host through
 * {@linkcode DoctorHost} and returns a {@linkcode CheckOutcome}.
 *
 * @module
 */
import { join } from "node:path";
import { capture, findExecutable } from "../exec/mod.ts";
import { installLines, missingBuildTools } from "../kernel/mod.ts";
import { MKE2FS_READS_TARBALLS } from "../image/mod.ts";
import type { CheckOutcome, DoctorHost, Fix } from "./check.ts";
import { deviceAccess } from "../fs/mod.ts";
import {
  compareVersions,
  findVersion,
  formatVersion,
  type Version,
} from "../exec/mod.ts";

const MIN_QEMU: Version = [7, 2];
const PROGRAM_TIMEOUT_MS = 10_000;

function install(fedora: string, debian: string): Fix {
  return {
    fedora: `sudo rpm-ostree install ${fedora}`,
    debian: `sudo apt install ${debian}`,
  };
}

/** The version `program args` prints after `prefix`, if any. */
async function versionOf(
  program: string,
  args: string[],
  prefix: string,
): Promise<Version | undefined> {
  return findVersion(await programSays(program, args) ?? "", prefix);
}

/** Runs `program args` and returns stdout+stderr, or undefined on failure. */
async function programSays(
  program: string,
  args: string[],
): Promise<string | undefined> {
  try {
    const result = await capture({
      program,
      args,
      timeoutMs: PROGRAM_TIMEOUT_MS,
    });
    return result.timedOut ? undefined : result.stdout + result.stderr;
  } catch {
    return undefined;
  }
}

const QEMU_FIX = install("qemu-system-x86-core", "qemu-system-x86");

/** QEMU is installed and new enough for microvm with vhost-user-vsock. */
export async function checkQemu(host: DoctorHost): Promise<CheckOutcome> {
  const base = { id: "qemu", title: "QEMU (qemu-system-x86_64)" };
  const qemu = await findExecutable("qemu-system-x86_64", host.path);
  if (!qemu) {
    return {
      ...base,
      finding: "missing",
      detail: "not found on PATH",
      fix: QEMU_FIX,
    };
  }
  const version = await versionOf(qemu, ["--version"], "version");
  if (!version) {
    return {
      ...base,
      finding: "missing",
      detail: `${qemu} --version printed no version`,
      fix: QEMU_FIX,
    };
  }
  if (compareVersions(version, MIN_QEMU) < 0) {
    return {
      ...base,
      finding: "missing",
      detail: `QEMU ${formatVersion(version)} is too old; need ${
        formatVersion(MIN_QEMU)
      } or newer`,
      fix: QEMU_FIX,
    };
  }
  return { ...base, finding: "ok", detail: `QEMU ${formatVersion(version)}` };
}

/** A probe guest really starts under KVM. */
export async function checkKvm(host: DoctorHost): Promise<CheckOutcome> {
  const base = { id: "kvm", title: "KVM acceleration" };
  const tcg = "VMs fall back to TCG emulation, which is much slower";
  const joinGroup = {
    fedora: "sudo usermod -aG kvm $USER, then log out and in again",
    debian: "sudo usermod -aG kvm $USER, then log out and in again",
  };
  if (await deviceAccess(host.files.kvm, host) === "does not exist") {
    return {
      ...base,
      finding: "missing",
      detail: `${host.files.kvm} does not exist; ${tcg}`,
      fix: {
        fedora:
          "enable virtualisation (VT-x/AMD-V) in the firmware settings, then reboot",
        debian:
          "enable virtualisation (VT-x/AMD-V) in the firmware settings, then sudo modprobe kvm_intel (or kvm_amd)",
      },
    };
  }
  const qemu = await findExecutable("qemu-system-x86_64", host.path);
  if (!qemu) {
    return {
      ...base,
      finding: "degraded",
      detail:
        `${host.files.kvm} exists, but without QEMU no guest could be probed`,
      fix: QEMU_FIX,
    };
  }
  const probe = await host.probeGuest({ qemu, accel: "kvm" });
  if (probe.works) {
    return {
      ...base,
      finding: "ok",
      detail: `a probe guest started in ${probe.elapsedMs} ms`,
    };
  }
  const denied = /permission denied/i.test(probe.reason ?? "");
  const nested =
    "if this host is itself a VM, enable nested virtualisation (kvm_intel nested=1) or use TCG";
  return {
    ...base,
    finding: "missing",
    detail: `a guest does not start under KVM (${probe.reason}); ${tcg}`,
    fix: denied ? joinGroup : { fedora: nested, debian: nested },
  };
}

/** A probe guest starts with a kernel vhost-vsock device. */
export async function checkVhostVsock(
  host: DoctorHost,
): Promise<CheckOutcome> {
  const base = { id: "vhost-vsock", title: "kernel vsock (/dev/vhost-vsock)" };
  const fix =
    "sudo modprobe vhost_vsock && sudo setfacl -m u:$USER:rw /dev/vhost-vsock";
  const problem = await deviceAccess(host.files.vhostVsock, host);
  if (problem) {
    return {
      ...base,
      finding: "missing",
      detail: `${host.files.vhostVsock}: ${problem}`,
      fix: { fedora: fix, debian: fix },
    };
  }
  const qemu = await findExecutable("qemu-system-x86_64", host.path);
  if (!qemu) {
    return {
      ...base,
      finding: "degraded",
      detail:
        `${host.files.vhostVsock} exists, but without QEMU it could not be probed`,
      fix: QEMU_FIX,
    };
  }
  // A random CID keeps the probe clear of running VMs; a clash still proves
  // the device works.
  const cid = 100_000 + Math.floor(Math.random() * 1_000_000_000);
  const probe = await host.probeGuest({
    qemu,
    accel: "tcg",
    extraArgs: ["-device", `vhost-vsock-device,guest-cid=${cid}`],
  });
  if (probe.works || /in use/i.test(probe.reason ?? "")) {
    return {
      ...base,
      finding: "ok",
      detail: "a probe guest got a vsock device",
    };
  }
  return {
    ...base,
    finding: "missing",
    detail: `a guest cannot use it (${probe.reason})`,
    fix: { fedora: fix, debian: fix },
  };
}

/** mmdebstrap is installed, with newuidmap for rootless builds. */
export async function checkMmdebstrap(host: DoctorHost): Promise<CheckOutcome> {
  const base = { id: "mmdebstrap", title: "mmdebstrap (template builds)" };
  const fix = install("mmdebstrap", "mmdebstrap");
  const mmdebstrap = await findExecutable("mmdebstrap", host.path);
  if (!mmdebstrap) {
    return { ...base, finding: "missing", detail: "not found on PATH", fix };
  }
  const version = await versionOf(mmdebstrap, ["--version"], "mmdebstrap");
  const found = version ? `mmdebstrap ${formatVersion(version)}` : mmdebstrap;
  if (host.uid !== 0 && !await findExecutable("newuidmap", host.path)) {
    return {
      ...base,
      finding: "missing",
      detail: `${found}, but rootless builds need newuidmap, which is missing`,
      fix: install("shadow-utils", "uidmap"),
    };
  }
  return { ...base, finding: "ok", detail: found };
}

/** mke2fs is installed; notes whether `-d` accepts a tarball. */
export async function checkMke2fs(host: DoctorHost): Promise<CheckOutcome> {
  const base = { id: "mke2fs", title: "mke2fs (image creation)" };
  const fix = install("e2fsprogs", "e2fsprogs");
  const mke2fs = await findExecutable("mke2fs", host.path);
  if (!mke2fs) {
    return { ...base, finding: "missing", detail: "not found on PATH", fix };
  }
  const version = await versionOf(mke2fs, ["-V"], "mke2fs");
  if (!version) {
    return {
      ...base,
      finding: "missing",
      detail: `${mke2fs} -V printed no version`,
      fix,
    };
  }
  if (compareVersions(version, MKE2FS_READS_TARBALLS) < 0) {
    return {
      ...base,
      finding: "degraded",
      detail: `mke2fs ${
        formatVersion(version)
      } cannot read a tarball for -d (needs ${
        formatVersion(MKE2FS_READS_TARBALLS)
      }); image builds then need root`,
      fix,
    };
  }
  return {
    ...base,
    finding: "ok",
    detail: `mke2fs ${formatVersion(version)}, -d accepts a tarball`,
  };
}

/** Everything `make bzImage` needs. */
export async function checkKernelTools(
  host: DoctorHost,
): Promise<CheckOutcome> {
  const base = { id: "kernel-tools", title: "kernel build tools" };
  const missing = await missingBuildTools({
    path: host.path,
    includeDirs: host.includeDirs,
  });
  if (missing.length === 0) {
    return {
      ...base,
      finding: "ok",
      detail: "gcc, make, flex, bison, bc, libelf",
    };
  }
  const lines = installLines(missing);
  return {
    ...base,
    finding: "missing",
    detail: `missing: ${missing.map((tool) => tool.name).join(", ")}`,
    fix: { fedora: lines.fedora, debian: lines.debian },
  };
}

/** waypipe is installed; reports its version and optional features. */
export async function checkWaypipe(host: DoctorHost): Promise<CheckOutcome> {
  const base = { id: "waypipe", title: "waypipe (app windows)" };
  const fix = install("waypipe", "waypipe");
  const waypipe = await findExecutable("waypipe", host.path);
  if (!waypipe) {
    return { ...base, finding: "missing", detail: "not found on PATH", fix };
  }
  const version = await versionOf(waypipe, ["--version"], "waypipe");
  const help = await programSays(waypipe, ["--help"]) ?? "";
  const features = ["--vsock", "--title-prefix"].filter((flag) =>
    help.includes(flag)
  );
  const found = `waypipe ${
    version ? formatVersion(version) : "(unknown version)"
  }`;
  if (!help.includes("--title-prefix")) {
    return {
      ...base,
      finding: "degraded",
      detail:
        `${found} has no --title-prefix: window titles will not name their VM`,
      fix,
    };
  }
  return {
    ...base,
    finding: "ok",
    detail: `${found} (${features.join(", ")})`,
  };
}

async function isSocket(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isSocket === true;
  } catch {
    return false;
  }
}

/** The outcome of finding a UNIX socket some other program serves. */
async function socketOutcome(
  base: { id: string; title: string },
  socket: string | undefined,
  fix: Fix,
): Promise<CheckOutcome> {
  if (!socket) {
    return {
      ...base,
      finding: "missing",
      detail: "XDG_RUNTIME_DIR is not set",
      fix,
    };
  }
  if (!await isSocket(socket)) {
    return {
      ...base,
      finding: "missing",
      detail: `no socket at ${socket}`,
      fix,
    };
  }
  return { ...base, finding: "ok", detail: socket };
}

/** A Wayland compositor's socket is reachable. */
export function checkWayland(host: DoctorHost): Promise<CheckOutcome> {
  const display = host.waylandDisplay || "wayland-0";
  const fix = "run qubesify inside a Wayland session (GNOME, KDE Plasma, sway)";
  return socketOutcome(
    { id: "wayland", title: "Wayland session" },
    display.startsWith("/")
      ? display
      : host.runtimeDir && join(host.runtimeDir, display),
    { fedora: fix, debian: fix },
  );
}

/** The pipewire-pulse (or PulseAudio) socket is reachable. */
export function checkPulse(host: DoctorHost): Promise<CheckOutcome> {
  return socketOutcome(
    { id: "pulse", title: "pipewire-pulse (app sound)" },
    host.runtimeDir && join(host.runtimeDir, "pulse", "native"),
    {
      fedora: "systemctl --user enable --now pipewire-pulse.socket",
      debian:
        "sudo apt install pipewire-pulse && systemctl --user enable --now pipewire-pulse.socket",
    },
  );
}

/** hugetlbfs is mounted and huge pages are reserved. */
export async function checkHugepages(host: DoctorHost): Promise<CheckOutcome> {
  const base = { id: "hugepages", title: "huge pages (--hugepages)" };
  const fix =
    "sudo sysctl vm.nr_hugepages=1024 && sudo mount -t hugetlbfs none /dev/hugepages";
  const mounts = await host.readSystemFile(host.files.mounts) ?? "";
  const mountpoint = mounts.split("\n").map((line) => line.split(" "))
    .find((fields) => fields[2] === "hugetlbfs")?.[1];
  const meminfo = await host.readSystemFile(host.files.meminfo) ?? "";
  const total = Number(/^HugePages_Total:\s+(\d+)/m.exec(meminfo)?.[1] ?? 0);
  const sizeKb = Number(/^Hugepagesize:\s+(\d+) kB/m.exec(meminfo)?.[1] ?? 0);
  if (!mountpoint || total === 0) {
    const what = !mountpoint
      ? "hugetlbfs is not mounted"
      : "no huge pages are reserved";
    return {
      ...base,
      finding: "missing",
      detail: what,
      fix: { fedora: fix, debian: fix },
    };
  }
  return {
    ...base,
    finding: "ok",
    detail: `${total} × ${sizeKb / 1024} MiB pages, hugetlbfs at ${mountpoint}`,
  };
}

/** /dev/net/tun is usable, so pre-created TAP devices can be attached. */
export async function checkTap(host: DoctorHost): Promise<CheckOutcome> {
  const base = { id: "tap", title: "TAP networking (network: tap)" };
  const problem = await deviceAccess(host.files.tun, host);
  if (!problem) {
    return { ...base, finding: "ok", detail: `${host.files.tun} is usable` };
  }
  const fix =
    "sudo modprobe tun, and create TAP devices owned by you as root (see the README)";
  return {
    ...base,
    finding: "missing",
    detail: `${host.files.tun}: ${problem}`,
    fix: { fedora: fix, debian: fix },
  };
}
