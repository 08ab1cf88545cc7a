/**
 * `qubesify run`: one app in one disposable VM, from a fresh runtime folder
 * to nothing left behind.
 *
 * @module
 */
import { join } from "node:path";
import type { AppRecipe } from "../recipe/parse.ts";
import {
  removeDeadVmDirs,
  type VmRecord,
  vmRecordPath,
} from "../state/vm_records.ts";
import { bootVm } from "./boot.ts";
import type { ControlReport } from "./control_report.ts";
import { acquireHugepageCopy, releaseHugepageCopy } from "./hugepages.ts";
import type { VmNetwork } from "./qemu_args.ts";
import { TAP_NETWORK } from "../net/tap_network.ts";

/** Everything {@linkcode runApp} needs, already resolved and built. */
export interface RunAppOptions {
  /** The app recipe. */
  app: AppRecipe;
  /** Extra arguments after the recipe's command. */
  args: readonly string[];
  /** Path of qemu-system-x86_64. */
  qemu: string;
  /** bzImage. */
  kernel: string;
  /** Template image. */
  image: string;
  /** The guest's network, resolved (a TAP device is claimed by the caller). */
  network: VmNetwork;
  /** A kernel vsock device with this CID (claimed by the caller). */
  vsockCid?: number;
  /** Accelerator. */
  accel: "kvm" | "tcg";
  /** `<runtime>`: VM folders are created inside it. */
  runtimeDir: string;
  /** Receives the app's output (untrusted guest bytes). */
  onAppOutput: (bytes: Uint8Array) => void;
  /** Aborting stops the app gracefully, then the VM forcibly. */
  signal?: AbortSignal;
  /** Called with the VM's name once its folder exists. */
  onNamed?: (name: string) => void;
  /**
   * Boot from a copy of the template in this hugetlbfs folder, shared with
   * the other VMs of the same image; fails before booting when huge pages
   * are not available.
   */
  hugepages?: { dir: string };
}

/** How the VM ended. */
export interface RunAppResult {
  /** The VM's name. */
  name: string;
  /** What the guest init reported. */
  report: ControlReport;
  /** QEMU's error output, for a failure message. */
  qemuStderr: string;
  /** The end of the serial console, for a failure message. */
  serialTail: string;
}

/**
 * Runs the app and waits for its VM to end. The VM's runtime folder
 * (record, sockets, serial log) exists only while it runs.
 */
export async function runApp(options: RunAppOptions): Promise<RunAppResult> {
  await Deno.mkdir(options.runtimeDir, { recursive: true, mode: 0o700 });
  await removeDeadVmDirs(options.runtimeDir);
  const { name, dir } = await createVmDir(options.runtimeDir, options.app.name);
  options.onNamed?.(name);
  const hugepages = options.hugepages && {
    hugetlbfsDir: options.hugepages.dir,
    runtimeDir: options.runtimeDir,
    vmName: name,
  };
  try {
    const rootImage = hugepages
      ? await acquireHugepageCopy({ ...hugepages, image: options.image })
      : options.image;
    const result = await bootVm({
      qemu: options.qemu,
      kernel: options.kernel,
      rootImage,
      memoryBytes: options.app.memory,
      cpus: options.app.cpus,
      accel: options.accel,
      acpi: false,
      network: options.network,
      vsockCid: options.vsockCid,
      spec: {
        hostname: name,
        user: options.app.user,
        argv: [...options.app.command, ...options.args],
        env: options.app.env,
        display: options.app.display,
        audio: options.app.audio,
        nameserver: options.network.mode === "tap"
          ? TAP_NETWORK.nameserver
          : undefined,
      },
      workDir: dir,
      signal: options.signal,
      onAppOutput: options.onAppOutput,
      onStarted: async (pid) => {
        const record: VmRecord = {
          name,
          app: options.app.name,
          image: options.image,
          pid,
          ownerPid: Deno.pid,
          cid: options.vsockCid,
          memoryBytes: options.app.memory,
          startedAt: new Date().toISOString(),
        };
        await Deno.writeTextFile(
          vmRecordPath(options.runtimeDir, name),
          JSON.stringify(record),
        );
      },
    });
    const serial = await Deno.readTextFile(result.serialLog).catch(() => "");
    return {
      name,
      report: result.report,
      qemuStderr: result.qemuStderr,
      serialTail: serial.split("\n").slice(-15).join("\n"),
    };
  } finally {
    // Before the folder goes: the VM's marker in it keeps the copy alive.
    // A copy left by a failed release goes with the next --hugepages run.
    if (hugepages) await releaseHugepageCopy(hugepages).catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Creates `<runtime>/<app>-<n>` with the lowest free n; mkdir is the lock. */
async function createVmDir(runtimeDir: string, app: string) {
  for (let n = 1;; n++) {
    const name = `${app}-${n}`;
    const dir = join(runtimeDir, name);
    try {
      await Deno.mkdir(dir, { mode: 0o700 });
      return { name, dir };
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
  }
}
