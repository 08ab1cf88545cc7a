import assert from "node:assert/strict";
import {
  kernelCmdline,
  type MicroVm,
  qemuArgs,
  SANDBOX_ARGS,
} from "./qemu_args.ts";

const VM: MicroVm = {
  kernel: "/k/bzImage",
  rootImage: "/i/smoke.img",
  memoryBytes: 256 * 2 ** 20,
  cpus: 1,
  accel: "tcg",
  acpi: false,
  serialLog: "/r/serial.log",
  appSocket: "/r/app.sock",
  controlSocket: "/r/control.sock",
  network: { mode: "none" },
};

Deno.test("TCG micro VM without ACPI", () => {
  assert.deepEqual(qemuArgs(VM), [
    "-M",
    "microvm,acpi=off",
    "-accel",
    "tcg",
    "-cpu",
    "max",
    "-m",
    "256M",
    "-smp",
    "1",
    "-nodefaults",
    "-no-user-config",
    "-sandbox",
    "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny",
    "-display",
    "none",
    "-no-reboot",
    "-kernel",
    "/k/bzImage",
    "-append",
    "console=ttyS0 root=/dev/vda rootfstype=ext4 ro init=/usr/lib/qubesify/init reboot=t panic=-1 acpi=off quiet",
    "-drive",
    "id=root,file=/i/smoke.img,format=raw,if=none,read-only=on",
    "-device",
    "virtio-blk-device,drive=root",
    "-chardev",
    "file,id=serial,path=/r/serial.log",
    "-serial",
    "chardev:serial",
    "-device",
    "virtio-serial-device,max_ports=2",
    "-chardev",
    "socket,id=app,path=/r/app.sock",
    "-device",
    "virtconsole,chardev=app",
    "-chardev",
    "socket,id=control,path=/r/control.sock",
    "-device",
    "virtserialport,chardev=control,name=org.qubesify.control",
  ]);
});

Deno.test("KVM with ACPI, two CPUs, 2G, user networking and kernel vsock", () => {
  const args = qemuArgs({
    ...VM,
    accel: "kvm",
    acpi: true,
    cpus: 2,
    memoryBytes: 2 * 2 ** 30,
    network: { mode: "user" },
    vsockCid: 105,
  });
  assert.deepEqual(args.slice(0, 10), [
    "-M",
    "microvm,acpi=on",
    "-accel",
    "kvm",
    "-cpu",
    "host",
    "-m",
    "2048M",
    "-smp",
    "2",
  ]);
  assert.deepEqual(args.slice(-6), [
    "-netdev",
    "user,id=net0",
    "-device",
    "virtio-net-device,netdev=net0",
    "-device",
    "vhost-vsock-device,guest-cid=105",
  ]);
  assert.equal(
    args[args.indexOf("-append") + 1],
    "console=ttyS0 root=/dev/vda rootfstype=ext4 ro init=/usr/lib/qubesify/init reboot=t panic=-1 ip=10.0.2.15::10.0.2.2:255.255.255.0::eth0:off quiet",
  );
  assert.equal(
    kernelCmdline({ acpi: true, network: { mode: "none" } }),
    "console=ttyS0 root=/dev/vda rootfstype=ext4 ro init=/usr/lib/qubesify/init reboot=t panic=-1 quiet",
  );
});

Deno.test("a home disk: writable, after the root, found by its serial", () => {
  const args = qemuArgs({
    ...VM,
    homeDisk: { path: "/d/homes/dev.ext4", serial: "qubesify-home" },
  });
  const root = args.indexOf("virtio-blk-device,drive=root");
  assert.deepEqual(args.slice(root + 1, root + 5), [
    "-drive",
    "id=home,file=/d/homes/dev.ext4,format=raw,if=none,discard=unmap",
    "-device",
    "virtio-blk-device,drive=home,serial=qubesify-home",
  ]);
  assert.equal(args.filter((arg) => arg.includes("drive=home")).length, 1);
});

Deno.test("a QMP socket QEMU listens on, last", () => {
  const args = qemuArgs({ ...VM, qmpSocket: "/r/qmp.sock" });
  assert.deepEqual(args.slice(-2), [
    "-qmp",
    "unix:/r/qmp.sock,server=on,wait=off",
  ]);
  assert.equal(qemuArgs(VM).includes("-qmp"), false);
});

Deno.test("an initramfs for a distribution kernel", () => {
  const args = qemuArgs({ ...VM, acpi: true, initrd: "/b/initrd.cpio" });
  assert.deepEqual(args.slice(17, 23), [
    "-kernel",
    "/k/bzImage",
    "-initrd",
    "/b/initrd.cpio",
    "-append",
    "console=ttyS0 root=/dev/vda rootfstype=ext4 ro init=/usr/lib/qubesify/init reboot=t panic=-1 rdinit=/init quiet",
  ]);
});

Deno.test("a TAP device on the qubesify bridge, configured by ip=", () => {
  const args = qemuArgs({ ...VM, network: { mode: "tap", device: "qs-tap2" } });
  assert.deepEqual(args.slice(-4), [
    "-netdev",
    "tap,id=net0,ifname=qs-tap2,script=no,downscript=no",
    "-device",
    "virtio-net-device,netdev=net0",
  ]);
  assert.match(
    args[args.indexOf("-append") + 1],
    / acpi=off ip=10\.233\.0\.12::10\.233\.0\.1:255\.255\.255\.0::eth0:off quiet$/,
  );
});

Deno.test("kernel vsock given as a vsock option, same as vsockCid", () => {
  assert.deepEqual(
    qemuArgs({ ...VM, vsock: { kind: "kernel", cid: 7 } }).slice(-2),
    ["-device", "vhost-vsock-device,guest-cid=7"],
  );
  assert.throws(
    () => qemuArgs({ ...VM, vsockCid: 7, vsock: { kind: "kernel", cid: 7 } }),
    /vsock or vsockCid, not both/,
  );
});

Deno.test("user-space vsock: memfd-backed shared RAM and a vhost-user chardev", () => {
  const args = qemuArgs({
    ...VM,
    vsock: { kind: "user", socket: "/r/vsock.sock" },
  });
  assert.deepEqual(args.slice(0, 12), [
    "-M",
    "microvm,acpi=off,memory-backend=mem",
    "-accel",
    "tcg",
    "-cpu",
    "max",
    "-m",
    "256M",
    "-object",
    "memory-backend-memfd,id=mem,size=256M,share=on",
    "-smp",
    "1",
  ]);
  assert.deepEqual(args.slice(-4), [
    "-chardev",
    "socket,id=vsock,path=/r/vsock.sock",
    "-device",
    "vhost-user-vsock-device,chardev=vsock",
  ]);
  assert.equal(args.filter((arg) => arg === "-object").length, 1);
});

Deno.test("extra arguments a test needs come last, after the QMP socket", () => {
  const probe = ["-fw_cfg", "name=opt/qubesify/probe,string=ok"];
  const args = qemuArgs({ ...VM, qmpSocket: "/r/qmp.sock", extraArgs: probe });
  assert.deepEqual(args.slice(-4), [
    "-qmp",
    "unix:/r/qmp.sock,server=on,wait=off",
    ...probe,
  ]);
  assert.deepEqual(
    args.slice(0, -2),
    qemuArgs({ ...VM, qmpSocket: "/r/qmp.sock" }),
  );
});

Deno.test("every VM runs in QEMU's seccomp sandbox, whatever else it has", () => {
  const variants: MicroVm[] = [
    VM,
    { ...VM, accel: "kvm", acpi: true, network: { mode: "user" } },
    { ...VM, network: { mode: "tap", device: "qs-tap0" }, vsockCid: 9 },
    { ...VM, vsock: { kind: "user", socket: "/r/v.sock" }, qmpSocket: "/q" },
    { ...VM, homeDisk: { path: "/h", serial: "s" }, initrd: "/i" },
  ];
  for (const vm of variants) {
    const args = qemuArgs(vm);
    const at = args.indexOf("-sandbox");
    assert.deepEqual(args.slice(at, at + 2), SANDBOX_ARGS);
    assert.equal(args.filter((arg) => arg === "-sandbox").length, 1);
  }
  assert.deepEqual(SANDBOX_ARGS, [
    "-sandbox",
    "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny",
  ]);
});
