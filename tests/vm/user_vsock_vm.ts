/**
 * Helpers for tests/vm/user_vsock_test.ts: the guest program, compiled
 * static, in a busybox root, and a micro VM with a vhost-user-vsock device
 * whose console lines the test can wait for while the VM runs.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeBusyboxRoot } from "./micro_vm_helper.ts";

const PEER_SOURCE = fileURLToPath(
  new URL("./guest_programs/vsock_peer.c", import.meta.url),
);

/** Compiles vsock_peer.c statically into `dir`; returns its path. */
export async function buildVsockPeer(dir: string): Promise<string> {
  const output = join(dir, "vsock_peer");
  const result = await new Deno.Command("gcc", {
    args: ["-static", "-O2", "-Wall", "-Werror", "-o", output, PEER_SOURCE],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (result.code !== 0) {
    throw new Error(
      `gcc -static failed: ${new TextDecoder().decode(result.stderr)}`,
    );
  }
  return output;
}

/** A busybox root with /bin/vsock_peer and `init` as /init. */
export async function makePeerRoot(
  dir: string,
  init: string,
): Promise<string> {
  await Deno.mkdir(join(dir, "root/bin"), { recursive: true });
  const peer = await buildVsockPeer(dir);
  await Deno.copyFile(peer, join(dir, "root/bin/vsock_peer"));
  await Deno.chmod(join(dir, "root/bin/vsock_peer"), 0o755);
  return await makeBusyboxRoot({ dir, init });
}

/** How {@linkcode startVsockVm} boots. */
export interface VsockVmOptions {
  /** bzImage. */
  kernel: string;
  /** Root image (read-only virtio-blk). */
  rootImage: string;
  /** The vhost-user back-end's socket (it must be listening). */
  vsockSocket: string;
  /** Guest RAM in MiB (the memfd backend has the same size). */
  memoryMiB?: number;
  /** Kill QEMU after this long. */
  timeoutMs: number;
  /** More devices, after the vsock device (the bench adds a serial port). */
  extraArgs?: readonly string[];
}

/** A running VM; dispose to kill it (and wait for it). */
export interface VsockVm extends AsyncDisposable {
  /** Console output so far. */
  readonly output: () => string;
  /** Waits for a console line matching `pattern`; its match. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** QEMU's exit status. */
  readonly status: Promise<Deno.CommandStatus>;
  /** SIGKILLs QEMU (the guest dies mid-whatever). */
  kill(): void;
}

/**
 * Boots `-M microvm,acpi=off` under TCG with guest RAM in a shared memfd
 * and `vhost-user-vsock-device` on `vsockSocket` — the arguments
 * lib/vm/qemu_args.ts produces for `vsock: { kind: "user" }`.
 */
export function startVsockVm(options: VsockVmOptions): VsockVm {
  const memory = options.memoryMiB ?? 256;
  const child = new Deno.Command("qemu-system-x86_64", {
    args: [
      "-M",
      "microvm,acpi=off,memory-backend=mem",
      "-accel",
      "tcg",
      "-cpu",
      "max",
      "-m",
      `${memory}M`,
      "-object",
      `memory-backend-memfd,id=mem,size=${memory}M,share=on`,
      "-smp",
      "2",
      "-nodefaults",
      "-no-user-config",
      "-display",
      "none",
      "-no-reboot",
      "-serial",
      "stdio",
      "-kernel",
      options.kernel,
      "-append",
      "console=ttyS0 root=/dev/vda ro rootfstype=ext4 init=/init panic=-1 acpi=off",
      "-drive",
      `id=root,file=${options.rootImage},format=raw,if=none,readonly=on`,
      "-device",
      "virtio-blk-device,drive=root",
      "-chardev",
      `socket,id=vsock,path=${options.vsockSocket}`,
      "-device",
      "vhost-user-vsock-device,chardev=vsock",
      ...options.extraArgs ?? [],
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const waiters = new Set<() => void>();
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      output += text;
      for (const wake of waiters) wake();
    }
  };
  const collected = Promise.all([collect(child.stdout), collect(child.stderr)]);
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
  const status = child.status.finally(() => {
    clearTimeout(timer);
    for (const wake of waiters) wake();
  });
  let exited = false;
  status.then(() => exited = true);
  const kill = () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  };
  return {
    output: () => output,
    status,
    kill,
    async waitFor(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (true) {
        const match = output.match(pattern);
        if (match) return match;
        if (exited) {
          throw new Error(
            `QEMU exited before ${pattern}\n--- console ---\n${
              output.slice(-3000)
            }`,
          );
        }
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new Error(
            `no ${pattern} after ${timeoutMs} ms\n--- console ---\n${
              output.slice(-3000)
            }`,
          );
        }
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            clearTimeout(timeout);
            resolve();
          };
          const timeout = setTimeout(wake, left);
          waiters.add(wake);
        });
      }
    },
    async [Symbol.asyncDispose]() {
      kill();
      await status;
      await collected;
    },
  };
}
