/**
 * `qubesify run`: one app in one disposable VM, from a fresh runtime folder
 * to nothing left behind.
 *
 * @module
 */
import { join } from "node:path";
import type { AppRecipe, ProxyPolicy } from "../recipe/mod.ts";
import { removeDeadVmDirs, type VmRecord, vmRecordPath } from "../state/mod.ts";
import {
  type EgressProxy,
  loadBlocklists,
  loadPolicyHosts,
  renderGuestProxyConfig,
  startEgressProxy,
} from "../egress/mod.ts";
import { startVsockBackend } from "../vsock/mod.ts";
import { formatDecision, startVmRelay } from "../relay/mod.ts";
import { bootVm } from "./boot.ts";
import type { ControlReport } from "./control_report.ts";
import { type HostSession, startHostServices } from "./host_services.ts";
import { acquireHugepageCopy, releaseHugepageCopy } from "./hugepage_copy.ts";
import { readSerialTail } from "./log_tail.ts";
import {
  HOME_DISK_SERIAL,
  SERVICE_PORTS,
  type ServiceName,
  vmServicePorts,
} from "../guest/mod.ts";
import type { VmNetwork, VmVsock } from "./qemu_args.ts";
import { TAP_NETWORK } from "../net/mod.ts";
import { createVmDir } from "./vm_dir.ts";

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
  /**
   * The guest's vsock: the host kernel's, with a CID the caller claimed
   * (served by this VM's own relay on the CID's port block, started here),
   * or qubesify's own back-end, started here for this VM alone. None: the
   * guest reaches no host service.
   */
  vsock?:
    | { kind: "kernel"; cid: number }
    | { kind: "user" };
  /** The user's session, for the app's display and sound. */
  session: HostSession;
  /**
   * `network: proxy`: the VM's own egress proxy, on a socket in its
   * folder; the guest has no NIC and reaches it over vsock.
   */
  egress?: {
    /** The recipe's policy. */
    policy: ProxyPolicy;
    /**
     * Relative block list and hosts paths are resolved against this
     * folder (the user's config folder, where recipes live).
     */
    baseDir: string;
    /** The request log (JSONL, shared by all VMs, tagged per VM). */
    log: string;
  };
  /** Accelerator. */
  accel: "kvm" | "tcg";
  /** `<runtime>`: VM folders are created inside it. */
  runtimeDir: string;
  /** Receives the app's output (untrusted guest bytes). */
  onAppOutput: (bytes: Uint8Array) => void;
  /** Aborting stops the app gracefully, then the VM forcibly. */
  signal?: AbortSignal;
  /**
   * `persist: home`: this disk (claimed by the caller) is mounted on the
   * user's home in the guest.
   */
  homeDisk?: string;
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
    await using services = await startHostServices({
      vm: name,
      needs: options.app,
      session: options.session,
      vmDir: dir,
    });
    const sockets = { ...services.sockets };
    await using egress = options.egress
      ? await startVmEgress(options.egress, name, dir)
      : undefined;
    if (egress) sockets.egress = egress.socket;
    await using backend = options.vsock?.kind === "user"
      ? await startVsockBackend({
        socketPath: join(dir, "vsock.sock"),
        guestCid: USER_VSOCK_CID,
        services: servicesByPort(sockets),
      })
      : undefined;
    backend?.ended.catch((error) =>
      options.session.warn(
        `${name}: ${error.message}; its windows, sound and network are cut off`,
      )
    );
    const kernel = options.vsock?.kind === "kernel" ? options.vsock : undefined;
    await using _relay = kernel && Object.keys(sockets).length > 0
      ? await startVmRelay({
        vm: name,
        cid: kernel.cid,
        services: sockets,
        // Allowed connections are the app working; refusals are worth a
        // line (folded to one a second per kind, so a VM cannot flood).
        onDecision: (decision) => {
          if (decision.decision === "deny") {
            options.session.warn(`${name}: ${formatDecision(decision)}`);
          }
        },
        onWarning: (message) => options.session.warn(`${name}: ${message}`),
      })
      : undefined;
    const vsock: VmVsock | undefined = kernel
      ? { kind: "kernel", cid: kernel.cid }
      : backend
      ? { kind: "user", socket: join(dir, "vsock.sock") }
      : undefined;
    const kernelCid = kernel?.cid;
    const proxyConfig = egress ? renderGuestProxyConfig() : undefined;
    const result = await bootVm({
      qemu: options.qemu,
      kernel: options.kernel,
      rootImage,
      memoryBytes: options.app.memory,
      cpus: options.app.cpus,
      accel: options.accel,
      acpi: false,
      network: options.network,
      vsock,
      homeDisk: options.homeDisk === undefined
        ? undefined
        : { path: options.homeDisk, serial: HOME_DISK_SERIAL },
      spec: {
        hostname: name,
        user: options.app.user,
        argv: [...options.app.command, ...options.args],
        env: { ...proxyConfig?.environment, ...options.app.env },
        // Its own block on the kernel's vsock; its back-end serves it alone.
        ports: kernel ? vmServicePorts(kernel.cid) : SERVICE_PORTS,
        display: sockets.wayland ? options.app.display : "none",
        audio: sockets.audio ? options.app.audio : "none",
        nameserver: options.network.mode === "tap"
          ? TAP_NETWORK.nameserver
          : undefined,
        egressProxy: egress !== undefined,
        homeDiskSerial: options.homeDisk === undefined
          ? undefined
          : HOME_DISK_SERIAL,
        files: proxyConfig &&
          Object.fromEntries(
            proxyConfig.files.map((file) => [file.path, file.content]),
          ),
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
          cid: kernelCid,
          services: kernelCid === undefined ? undefined : sockets,
          memoryBytes: options.app.memory,
          startedAt: new Date().toISOString(),
        };
        await Deno.writeTextFile(
          vmRecordPath(options.runtimeDir, name),
          JSON.stringify(record),
        );
      },
    });
    return {
      name,
      report: result.report,
      qemuStderr: result.qemuStderr,
      serialTail: await readSerialTail(result.serialLog),
    };
  } finally {
    // Before the folder goes: the VM's marker in it keeps the copy alive.
    // A copy left by a failed release goes with the next --hugepages run.
    if (hugepages) await releaseHugepageCopy(hugepages).catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * The guest CID a VM gets from its own vsock back-end. Nobody else sees
 * it (the back-end serves this VM alone), so every VM may have the same.
 */
const USER_VSOCK_CID = 3;

/** The services' sockets by the vsock port the guest dials for each. */
function servicesByPort(
  sockets: Partial<Record<ServiceName, string>>,
): Map<number, string> {
  const byPort = new Map<number, string>();
  for (const [service, socket] of Object.entries(sockets)) {
    if (socket) byPort.set(SERVICE_PORTS[service as ServiceName], socket);
  }
  return byPort;
}

/** The VM's egress proxy, on `<dir>/egress.sock`, tagging its records. */
async function startVmEgress(
  egress: NonNullable<RunAppOptions["egress"]>,
  vm: string,
  dir: string,
): Promise<EgressProxy & { socket: string }> {
  const socket = join(dir, "egress.sock");
  const proxy = await startEgressProxy({
    listen: { path: socket },
    policy: egress.policy,
    blocklist: await loadBlocklists(egress.policy.blocklists, egress.baseDir),
    hosts: await loadPolicyHosts(egress.policy.hosts, egress.baseDir),
    vm,
    log: egress.log,
  });
  return Object.assign(proxy, { socket });
}
