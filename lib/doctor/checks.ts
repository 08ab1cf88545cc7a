/**
 * The individual doctor checks. Each looks at the host through
 * {@linkcode DoctorHost} and returns a {@linkcode CheckOutcome};
 * {@linkcode CHECKS} lists them in the order a report shows them.
 *
 * @module
 */
import { join } from "node:path";
import {
  capture,
  compareVersions,
  findExecutable,
  findVersion,
  formatVersion,
  type Version,
} from "../exec/mod.ts";
import { installLines, missingBuildTools } from "../kernel/mod.ts";
import { MKE2FS_READS_TARBALLS } from "../image/mod.ts";
import { deviceAccess } from "../fs/mod.ts";
import {
  DEFAULT_HUGETLBFS_DIR,
  parseHugetlbfsMounts,
  parseMeminfo,
} from "../vm/mod.ts";
import type { CheckOutcome, DoctorHost, Finding, Fix } from "./check.ts";

/** Every check, in the order a report lists them. */
export const CHECKS: readonly ((host: DoctorHost) => Promise<CheckOutcome>)[] =
  [
    checkQemu,
    checkKvm,
    checkVhostVsock,
    checkMmdebstrap,
    checkMke2fs,
    checkKernelTools,
    checkWaypipe,
    checkWayland,
    checkPulse,
    checkHugepages,
    checkTap,
  ];

const MIN_QEMU: Version = [7, 2];
const PROGRAM_TIMEOUT_MS = 10_000;

/** What every outcome of one check carries. */
type CheckName = Pick<CheckOutcome, "id" | "title">;

function outcome(
  name: CheckName,
  finding: Finding,
  detail: string,
  fix?: Fix,
): CheckOutcome {
  return { ...name, finding, detail, ...(fix ? { fix } : {}) };
}

function install(fedora: string, debian: string): Fix {
  return {
    fedora: `sudo rpm-ostree install ${fedora}`,
    debian: `sudo apt install ${debian}`,
  };
}

/** A fix that reads the same on both host families. */
function sameFix(command: string): Fix {
  return { fedora: command, debian: command };
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

/** QEMU, which runs the VMs and the probe guests. */
function findQemu(host: DoctorHost): Promise<string | undefined> {
  return findExecutable("qemu-system-x86_64", host.path);
}

/** `device` exists, but a host without QEMU cannot boot a guest to try it. */
function unprobed(name: CheckName, device: string): CheckOutcome {
  return outcome(
    name,
    "degraded",
    `${device} exists, but without QEMU no guest could probe it`,
    QEMU_FIX,
  );
}

/** QEMU is installed and new enough for microvm with vhost-user-vsock. */
export async function checkQemu(host: DoctorHost): Promise<CheckOutcome> {
  const name = { id: "qemu", title: "QEMU (qemu-system-x86_64)" };
  const qemu = await findQemu(host);
  if (!qemu) return outcome(name, "missing", "not found on PATH", QEMU_FIX);
  const version = await versionOf(qemu, ["--version"], "version");
  if (!version) {
    const detail = `${qemu} --version printed no version`;
    return outcome(name, "missing", detail, QEMU_FIX);
  }
  if (compareVersions(version, MIN_QEMU) < 0) {
    const detail = `QEMU ${formatVersion(version)} is too old; need ${
      formatVersion(MIN_QEMU)
    } or newer`;
    return outcome(name, "missing", detail, QEMU_FIX);
  }
  return outcome(name, "ok", `QEMU ${formatVersion(version)}`);
}

/** A probe guest really starts under KVM. */
export async function checkKvm(host: DoctorHost): Promise<CheckOutcome> {
  const name = { id: "kvm", title: "KVM acceleration" };
  const tcg = "VMs fall back to TCG emulation, which is much slower";
  if (deviceAccess(host.files.kvm, host) === "does not exist") {
    return outcome(
      name,
      "missing",
      `${host.files.kvm} does not exist; ${tcg}`,
      {
        fedora:
          "enable virtualisation (VT-x/AMD-V) in the firmware settings, then reboot",
        debian:
          "enable virtualisation (VT-x/AMD-V) in the firmware settings, then sudo modprobe kvm_intel (or kvm_amd)",
      },
    );
  }
  const qemu = await findQemu(host);
  if (!qemu) return unprobed(name, host.files.kvm);
  const probe = await host.probeGuest({ qemu, accel: "kvm" });
  if (probe.works) {
    return outcome(
      name,
      "ok",
      `a probe guest started in ${probe.elapsedMs} ms`,
    );
  }
  const denied = /permission denied/i.test(probe.reason ?? "");
  return outcome(
    name,
    "missing",
    `a guest does not start under KVM (${probe.reason}); ${tcg}`,
    sameFix(
      denied
        ? "sudo usermod -aG kvm $USER, then log out and in again"
        : "if this host is itself a VM, enable nested virtualisation (kvm_intel nested=1) or use TCG",
    ),
  );
}

/** A probe guest starts with a kernel vhost-vsock device. */
export async function checkVhostVsock(
  host: DoctorHost,
): Promise<CheckOutcome> {
  const name = { id: "vhost-vsock", title: "kernel vsock (/dev/vhost-vsock)" };
  const fix = sameFix(
    "sudo modprobe vhost_vsock && sudo setfacl -m u:$USER:rw /dev/vhost-vsock",
  );
  const problem = deviceAccess(host.files.vhostVsock, host);
  if (problem) {
    return outcome(
      name,
      "missing",
      `${host.files.vhostVsock}: ${problem}`,
      fix,
    );
  }
  const qemu = await findQemu(host);
  if (!qemu) return unprobed(name, host.files.vhostVsock);
  // A random CID keeps the probe clear of running VMs; a clash still proves
  // the device works.
  const cid = 100_000 + Math.floor(Math.random() * 1_000_000_000);
  const probe = await host.probeGuest({
    qemu,
    accel: "tcg",
    extraArgs: ["-device", `vhost-vsock-device,guest-cid=${cid}`],
  });
  if (probe.works || /in use/i.test(probe.reason ?? "")) {
    return outcome(name, "ok", "a probe guest got a vsock device");
  }
  return outcome(
    name,
    "missing",
    `a guest cannot use it (${probe.reason})`,
    fix,
  );
}

/** mmdebstrap is installed, with newuidmap for rootless builds. */
export async function checkMmdebstrap(host: DoctorHost): Promise<CheckOutcome> {
  const name = { id: "mmdebstrap", title: "mmdebstrap (template builds)" };
  const mmdebstrap = await findExecutable("mmdebstrap", host.path);
  if (!mmdebstrap) {
    const fix = install("mmdebstrap", "mmdebstrap");
    return outcome(name, "missing", "not found on PATH", fix);
  }
  const version = await versionOf(mmdebstrap, ["--version"], "mmdebstrap");
  const found = version ? `mmdebstrap ${formatVersion(version)}` : mmdebstrap;
  if (host.uid !== 0 && !await findExecutable("newuidmap", host.path)) {
    return outcome(
      name,
      "missing",
      `${found}, but rootless builds need newuidmap, which is missing`,
      install("shadow-utils", "uidmap"),
    );
  }
  return outcome(name, "ok", found);
}

/** mke2fs is installed; notes whether `-d` accepts a tarball. */
export async function checkMke2fs(host: DoctorHost): Promise<CheckOutcome> {
  const name = { id: "mke2fs", title: "mke2fs (image creation)" };
  const fix = install("e2fsprogs", "e2fsprogs");
  const mke2fs = await findExecutable("mke2fs", host.path);
  if (!mke2fs) return outcome(name, "missing", "not found on PATH", fix);
  const version = await versionOf(mke2fs, ["-V"], "mke2fs");
  if (!version) {
    return outcome(name, "missing", `${mke2fs} -V printed no version`, fix);
  }
  if (compareVersions(version, MKE2FS_READS_TARBALLS) < 0) {
    const detail = `mke2fs ${
      formatVersion(version)
    } cannot read a tarball for -d (needs ${
      formatVersion(MKE2FS_READS_TARBALLS)
    }); image builds then need root`;
    return outcome(name, "degraded", detail, fix);
  }
  return outcome(
    name,
    "ok",
    `mke2fs ${formatVersion(version)}, -d accepts a tarball`,
  );
}

/** Everything `make bzImage` needs. */
export async function checkKernelTools(
  host: DoctorHost,
): Promise<CheckOutcome> {
  const name = { id: "kernel-tools", title: "kernel build tools" };
  const missing = await missingBuildTools({
    path: host.path,
    includeDirs: host.includeDirs,
  });
  if (missing.length === 0) {
    return outcome(name, "ok", "gcc, make, flex, bison, bc, libelf");
  }
  const lines = installLines(missing);
  return outcome(
    name,
    "missing",
    `missing: ${missing.map((tool) => tool.name).join(", ")}`,
    { fedora: lines.fedora, debian: lines.debian },
  );
}

/** waypipe is installed; reports its version and optional features. */
export async function checkWaypipe(host: DoctorHost): Promise<CheckOutcome> {
  const name = { id: "waypipe", title: "waypipe (app windows)" };
  const fix = install("waypipe", "waypipe");
  const waypipe = await findExecutable("waypipe", host.path);
  if (!waypipe) return outcome(name, "missing", "not found on PATH", fix);
  const version = await versionOf(waypipe, ["--version"], "waypipe");
  const help = await programSays(waypipe, ["--help"]) ?? "";
  const features = ["--vsock", "--title-prefix"].filter((flag) =>
    help.includes(flag)
  );
  const found = `waypipe ${
    version ? formatVersion(version) : "(unknown version)"
  }`;
  if (!help.includes("--title-prefix")) {
    const detail =
      `${found} has no --title-prefix: window titles will not name their VM`;
    return outcome(name, "degraded", detail, fix);
  }
  return outcome(name, "ok", `${found} (${features.join(", ")})`);
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
  name: CheckName,
  socket: string | undefined,
  fix: Fix,
): Promise<CheckOutcome> {
  if (!socket) {
    return outcome(name, "missing", "XDG_RUNTIME_DIR is not set", fix);
  }
  if (!await isSocket(socket)) {
    return outcome(name, "missing", `no socket at ${socket}`, fix);
  }
  return outcome(name, "ok", socket);
}

/** A Wayland compositor's socket is reachable. */
export function checkWayland(host: DoctorHost): Promise<CheckOutcome> {
  const display = host.waylandDisplay || "wayland-0";
  return socketOutcome(
    { id: "wayland", title: "Wayland session" },
    display.startsWith("/")
      ? display
      : host.runtimeDir && join(host.runtimeDir, display),
    sameFix("run qubesify inside a Wayland session (GNOME, KDE Plasma, sway)"),
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
  const name = { id: "hugepages", title: "huge pages (--hugepages)" };
  const fix = sameFix(
    "sudo sysctl vm.nr_hugepages=1024 && sudo mount -t hugetlbfs none " +
      DEFAULT_HUGETLBFS_DIR,
  );
  const [mount] = parseHugetlbfsMounts(
    await host.readSystemFile(host.files.mounts) ?? "",
  );
  const pool = parseMeminfo(
    await host.readSystemFile(host.files.meminfo) ?? "",
  );
  if (!mount) return outcome(name, "missing", "hugetlbfs is not mounted", fix);
  if (!pool || pool.total === 0) {
    return outcome(name, "missing", "no huge pages are reserved", fix);
  }
  return outcome(
    name,
    "ok",
    `${pool.total} × ${
      pool.pageBytes / 2 ** 20
    } MiB pages, hugetlbfs at ${mount.dir}`,
  );
}

/** /dev/net/tun is usable, so pre-created TAP devices can be attached. */
export function checkTap(host: DoctorHost): Promise<CheckOutcome> {
  const name = { id: "tap", title: "TAP networking (network: tap)" };
  const problem = deviceAccess(host.files.tun, host);
  if (!problem) {
    return Promise.resolve(outcome(name, "ok", `${host.files.tun} is usable`));
  }
  return Promise.resolve(outcome(
    name,
    "missing",
    `${host.files.tun}: ${problem}`,
    sameFix(
      "sudo modprobe tun, and create TAP devices owned by you as root (see the README)",
    ),
  ));
}
