/**
 * Helpers for VM tests: a tiny busybox root file system and a QEMU micro VM
 * boot that always ends (the VM powers off, or the helper kills it).
 *
 * @module
 */
import { join } from "node:path";

/** What {@linkcode makeBusyboxRoot} puts into the image. */
export interface BusyboxRootOptions {
  /** Scratch folder; the image is written inside it. */
  dir: string;
  /** Contents of `/init`, run by the kernel as PID 1 through busybox sh. */
  init: string;
  /** A statically linked busybox (Debian: busybox-static). */
  busybox?: string;
  /** Image size in MiB. */
  sizeMiB?: number;
}

/** Builds an ext4 image with /bin/busybox and /init; returns its path. */
export async function makeBusyboxRoot(
  options: BusyboxRootOptions,
): Promise<string> {
  const tree = join(options.dir, "root");
  for (const sub of ["bin", "dev", "proc", "sys", "tmp", "mnt"]) {
    await Deno.mkdir(join(tree, sub), { recursive: true });
  }
  await Deno.copyFile(
    options.busybox ?? "/usr/bin/busybox",
    join(tree, "bin/busybox"),
  );
  await Deno.chmod(join(tree, "bin/busybox"), 0o755);
  await Deno.writeTextFile(join(tree, "init"), options.init, { mode: 0o755 });
  await Deno.chmod(join(tree, "init"), 0o755);
  const image = join(options.dir, "root.ext4");
  const result = await new Deno.Command("mke2fs", {
    args: [
      "-q",
      "-F",
      "-t",
      "ext4",
      "-d",
      tree,
      image,
      `${options.sizeMiB ?? 16}M`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (result.code !== 0) {
    throw new Error(
      `mke2fs failed: ${new TextDecoder().decode(result.stderr)}`,
    );
  }
  return image;
}

/** How {@linkcode bootMicroVm} starts the VM. */
export interface BootOptions {
  /** The bzImage. */
  kernel: string;
  /** Root image, attached read-only as virtio-blk (`/dev/vda`). */
  rootImage: string;
  /** `false` boots `-M microvm,acpi=off`, `true` the default (ACPI on). */
  acpi: boolean;
  /** Extra kernel command line. */
  append?: string;
  /** Extra QEMU arguments. */
  qemuArgs?: string[];
  /** A line containing this counts as "booted"; its arrival time is kept. */
  marker: string;
  /** Kill the VM after this long. */
  timeoutMs: number;
}

/** What happened during {@linkcode bootMicroVm}. */
export interface BootResult {
  /** Everything QEMU wrote (serial console and its own messages). */
  output: string;
  /** Seconds from spawn until the marker was printed; `undefined` if never. */
  markerSeconds?: number;
  /** Seconds until QEMU exited. */
  exitSeconds: number;
  /** Whether the helper had to kill QEMU. */
  timedOut: boolean;
  /** QEMU's exit code. */
  code: number;
}

/**
 * Boots the kernel under QEMU TCG with the serial console on stdout and
 * waits for QEMU to exit by itself. QEMU is killed (and waited for) on
 * timeout or any error, so no VM outlives the test.
 */
export async function bootMicroVm(options: BootOptions): Promise<BootResult> {
  const machine = options.acpi ? "microvm" : "microvm,acpi=off";
  const args = [
    "-M",
    machine,
    "-accel",
    "tcg",
    "-cpu",
    "max",
    "-m",
    "256",
    "-smp",
    "2",
    "-nodefaults",
    "-no-user-config",
    "-nographic",
    "-no-reboot",
    "-serial",
    "stdio",
    "-kernel",
    options.kernel,
    "-append",
    `console=ttyS0 root=/dev/vda ro rootfstype=ext4 init=/init panic=-1 ${
      options.append ?? ""
    }`.trim(),
    "-drive",
    `id=root,file=${options.rootImage},format=raw,if=none,readonly=on`,
    "-device",
    "virtio-blk-device,drive=root",
    ...(options.qemuArgs ?? []),
  ];
  const started = performance.now();
  const child = new Deno.Command("qemu-system-x86_64", {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, options.timeoutMs);
  let output = "";
  let markerSeconds: number | undefined;
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      output += text;
      if (markerSeconds === undefined && output.includes(options.marker)) {
        markerSeconds = (performance.now() - started) / 1000;
      }
    }
  };
  try {
    const [status] = await Promise.all([
      child.status,
      collect(child.stdout),
      collect(child.stderr),
    ]);
    return {
      output,
      markerSeconds,
      exitSeconds: (performance.now() - started) / 1000,
      timedOut,
      code: status.code,
    };
  } finally {
    clearTimeout(timer);
    try {
      child.kill("SIGKILL");
      await child.status;
    } catch {
      // Already exited and reaped.
    }
  }
}
