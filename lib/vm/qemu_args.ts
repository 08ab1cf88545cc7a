/**
 * The QEMU command line of a micro VM, as a pure function of what the VM
 * is: unit tested against hand-written expectations.
 *
 * @module
 */
import { CONTROL_PORT_NAME, GUEST_INIT } from "../guest/mod.ts";
import { guestIpParameter } from "../net/mod.ts";

/** The guest CPU: the host's own under KVM, everything TCG emulates otherwise. */
export function cpuModel(accel: "kvm" | "tcg"): "host" | "max" {
  return accel === "kvm" ? "host" : "max";
}

/**
 * QEMU's seccomp sandbox, on for every QEMU qubesify starts: a guest that
 * breaks into QEMU's device emulation finds no obsolete system calls, no
 * set*uid/set*gid, no fork or exec (so no helper scripts either) and no
 * changes to scheduling or CPU affinity. A QEMU built without seccomp
 * refuses to start rather than run unconfined.
 */
export const SANDBOX_ARGS: readonly string[] = [
  "-sandbox",
  "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny",
];

/** Everything that decides a micro VM's QEMU command line. */
export interface MicroVm {
  /** bzImage to boot directly. */
  kernel: string;
  /** Template image, attached read-only as /dev/vda. */
  rootImage: string;
  /** Guest memory in bytes (rounded down to MiB). */
  memoryBytes: number;
  /** Virtual CPUs. */
  cpus: number;
  /** `kvm` when usable, else `tcg`. */
  accel: "kvm" | "tcg";
  /** With ACPI off, QEMU lists the virtio-mmio devices on the cmdline. */
  acpi: boolean;
  /** Kernel and init messages (ttyS0). */
  serialLog: string;
  /** UNIX socket the host listens on for the app's stdout and stderr (hvc0). */
  appSocket: string;
  /**
   * UNIX socket the host listens on before QEMU starts; QEMU connects it to
   * the guest's control port, which carries the launch spec in and the
   * init's report (`exit N` or `fail REASON`) out.
   */
  controlSocket: string;
  /**
   * QEMU's QMP socket (QEMU listens): how the host ends a VM gracefully
   * when the guest does not stop by itself.
   */
  qmpSocket?: string;
  /** The guest's network (`none`: no NIC at all). */
  network: VmNetwork;
  /**
   * A kernel vhost-vsock device with this guest CID, when set; shorthand
   * for `vsock: { kind: "kernel", cid }`.
   */
  vsockCid?: number;
  /** The guest's vsock device, when it has one (see {@linkcode VmVsock}). */
  vsock?: VmVsock;
  /**
   * A writable disk for the user's home (`persist: home`), which the guest
   * init finds by its serial; the root stays /dev/vda, declared first.
   */
  homeDisk?: { path: string; serial: string };
  /**
   * An initramfs whose /init mounts the root and hands over to the guest
   * init; our own kernel needs none, a distribution kernel with modules does.
   */
  initrd?: string;
  /**
   * More QEMU arguments, appended after everything above: what a test or
   * bench needs and a VM of `run` never has (a `-fw_cfg` entry to probe
   * for, say). The ids above (`root`, `home`, `serial`, `app`, `control`,
   * `net0`, `vsock`, `mem`) are taken; an extra device needs its own.
   */
  extraArgs?: readonly string[];
}

/**
 * `kernel`: the host kernel's vhost-vsock (needs /dev/vhost-vsock) with
 * guest CID `cid`. `user`: a vhost-user back-end listening on `socket`
 * (lib/vsock/backend.ts), which also gives the guest its CID; vhost-user
 * needs guest RAM QEMU can share, so the VM's memory becomes a memfd.
 */
export type VmVsock =
  | { kind: "kernel"; cid: number }
  | { kind: "user"; socket: string };

/** Id of the shared memory backend a vhost-user device needs. */
const SHARED_MEMORY_ID = "mem";

/**
 * `user`: QEMU's user-mode NAT; `tap`: a pre-created TAP device on the
 * qubesify bridge (see `qubesify net setup`).
 */
export type VmNetwork =
  | { mode: "none" }
  | { mode: "user" }
  | { mode: "tap"; device: string };

/** Guest address in QEMU's user network (its DHCP hands out the same). */
const USER_NET_IP = "ip=10.0.2.15::10.0.2.2:255.255.255.0::eth0:off";

function netdevArgs(network: VmNetwork): string[] {
  if (network.mode === "none") return [];
  const netdev = network.mode === "user"
    ? "user,id=net0"
    : `tap,id=net0,ifname=${network.device},script=no,downscript=no`;
  return ["-netdev", netdev, "-device", "virtio-net-device,netdev=net0"];
}

/** The guest kernel's command line. */
export function kernelCmdline(
  vm: Pick<MicroVm, "acpi" | "network" | "initrd">,
): string {
  return [
    "console=ttyS0",
    "root=/dev/vda",
    "rootfstype=ext4",
    "ro",
    `init=${GUEST_INIT}`,
    // The init ends the VM with a restart; a triple fault needs no ACPI or
    // keyboard controller, and QEMU's -no-reboot turns it into an exit.
    "reboot=t",
    "panic=-1",
    ...(vm.initrd ? ["rdinit=/init"] : []),
    // Without ACPI tables the kernel need not look for them.
    ...(vm.acpi ? [] : ["acpi=off"]),
    // The kernel configures the NIC itself: no network tools in the guest.
    ...(vm.network.mode === "user" ? [USER_NET_IP] : []),
    ...(vm.network.mode === "tap" ? [guestIpParameter(vm.network.device)] : []),
    "quiet",
  ].join(" ");
}

function vsockOf(vm: Pick<MicroVm, "vsock" | "vsockCid">): VmVsock | undefined {
  if (vm.vsock && vm.vsockCid !== undefined) {
    throw new TypeError("give vsock or vsockCid, not both");
  }
  return vm.vsock ??
    (vm.vsockCid === undefined
      ? undefined
      : { kind: "kernel", cid: vm.vsockCid });
}

function vsockArgs(vsock: VmVsock | undefined): string[] {
  if (!vsock) return [];
  if (vsock.kind === "kernel") {
    return ["-device", `vhost-vsock-device,guest-cid=${vsock.cid}`];
  }
  return [
    "-chardev",
    `socket,id=vsock,path=${vsock.socket}`,
    "-device",
    "vhost-user-vsock-device,chardev=vsock",
  ];
}

/** The full QEMU argv (without the program name). */
export function qemuArgs(vm: MicroVm): string[] {
  const memoryMiB = Math.floor(vm.memoryBytes / 2 ** 20);
  const vsock = vsockOf(vm);
  const shared = vsock?.kind === "user";
  return [
    "-M",
    `microvm,acpi=${vm.acpi ? "on" : "off"}${
      shared ? `,memory-backend=${SHARED_MEMORY_ID}` : ""
    }`,
    "-accel",
    vm.accel,
    "-cpu",
    cpuModel(vm.accel),
    "-m",
    `${memoryMiB}M`,
    ...(shared
      ? [
        "-object",
        `memory-backend-memfd,id=${SHARED_MEMORY_ID},size=${memoryMiB}M,share=on`,
      ]
      : []),
    "-smp",
    String(vm.cpus),
    "-nodefaults",
    "-no-user-config",
    ...SANDBOX_ARGS,
    "-display",
    "none",
    "-no-reboot",
    "-kernel",
    vm.kernel,
    ...(vm.initrd ? ["-initrd", vm.initrd] : []),
    "-append",
    kernelCmdline(vm),
    "-drive",
    `id=root,file=${vm.rootImage},format=raw,if=none,read-only=on`,
    "-device",
    "virtio-blk-device,drive=root",
    ...(vm.homeDisk
      ? [
        "-drive",
        `id=home,file=${vm.homeDisk.path},format=raw,if=none,discard=unmap`,
        "-device",
        `virtio-blk-device,drive=home,serial=${vm.homeDisk.serial}`,
      ]
      : []),
    "-chardev",
    `file,id=serial,path=${vm.serialLog}`,
    "-serial",
    "chardev:serial",
    "-device",
    "virtio-serial-device,max_ports=2",
    "-chardev",
    `socket,id=app,path=${vm.appSocket}`,
    "-device",
    "virtconsole,chardev=app",
    "-chardev",
    `socket,id=control,path=${vm.controlSocket}`,
    "-device",
    `virtserialport,chardev=control,name=${CONTROL_PORT_NAME}`,
    ...netdevArgs(vm.network),
    ...vsockArgs(vsock),
    ...(vm.qmpSocket
      ? ["-qmp", `unix:${vm.qmpSocket},server=on,wait=off`]
      : []),
    ...vm.extraArgs ?? [],
  ];
}
