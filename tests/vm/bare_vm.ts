/**
 * A micro VM whose guest is a test's own script (see busybox_root.ts)
 * instead of qubesify's init, for VM tests and benches. It boots under TCG
 * with the command line `run` uses ({@linkcode qemuArgs}), and its serial
 * console is followed as it grows, so a test can wait for a line while the
 * VM runs.
 *
 * QEMU connects the app and control ports when it starts, so someone must
 * listen on them: this helper does, and these guests leave both unused,
 * unless the caller listens on the control socket itself (in the guest, that
 * port is /dev/vport*p1).
 *
 * @example
 * ```ts
 * import { startBareVm } from "./bare_vm.ts";
 * await using vm = await startBareVm({
 *   kernel: "/path/to/bzImage",
 *   rootImage: "/path/to/root.ext4",
 *   timeoutMs: 60_000,
 * });
 * await vm.waitFor(/^READY/m, 50_000);
 * const { code } = await vm.exit;
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { type MicroVm, qemuArgs } from "../../lib/vm/mod.ts";
import { closeQuietly } from "../../lib/io/mod.ts";

/** How {@linkcode startBareVm} boots. */
export interface BareVmOptions {
  /** bzImage. */
  kernel: string;
  /** Root image (read-only /dev/vda) holding the guest init. */
  rootImage: string;
  /** ACPI on; off by default, as `run` boots. */
  acpi?: boolean;
  /** Virtual CPUs; default 2. */
  cpus?: number;
  /** Guest RAM in MiB; default 256. */
  memoryMiB?: number;
  /** The guest's vsock device, if any. */
  vsock?: MicroVm["vsock"];
  /** QEMU arguments `run` never passes (see {@linkcode MicroVm}). */
  extraArgs?: MicroVm["extraArgs"];
  /** A socket the caller listens on for the guest's control port. */
  controlSocket?: string;
  /** Kill QEMU after this long. */
  timeoutMs: number;
}

/** How QEMU ended. */
export interface BareVmExit {
  /** QEMU's exit code. */
  code: number;
  /** Whether the helper killed it after `timeoutMs`. */
  timedOut: boolean;
}

/** A running VM; dispose to kill it (and wait for it). */
export interface BareVm extends AsyncDisposable {
  /** The serial console and QEMU's own messages so far. */
  output(): string;
  /** Waits for output matching `pattern`; its match. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Settles once QEMU has exited and its output is read to the end. */
  readonly exit: Promise<BareVmExit>;
  /** SIGKILLs QEMU (the guest dies mid-whatever). */
  kill(): void;
}

/** How often the serial log is read while it grows. */
const POLL_MS = 50;

/** Starts QEMU; the VM's files live in a temporary folder until it exits. */
export async function startBareVm(options: BareVmOptions): Promise<BareVm> {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-bare-vm-" });
  const serialLog = join(dir, "serial.log");
  const appSocket = join(dir, "app.sock");
  const controlSocket = options.controlSocket ?? join(dir, "control.sock");
  const listeners = [appSocket, controlSocket]
    .filter((path) => path !== options.controlSocket)
    .map((path) => Deno.listen({ transport: "unix", path }));
  const child = new Deno.Command("qemu-system-x86_64", {
    args: qemuArgs({
      kernel: options.kernel,
      rootImage: options.rootImage,
      memoryBytes: (options.memoryMiB ?? 256) * 2 ** 20,
      cpus: options.cpus ?? 2,
      accel: "tcg",
      acpi: options.acpi ?? false,
      serialLog,
      appSocket,
      controlSocket,
      network: { mode: "none" },
      vsock: options.vsock,
      extraArgs: options.extraArgs,
    }),
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const kill = () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, options.timeoutMs);

  let output = "";
  let ended = false;
  const waiters = new Set<() => void>();
  const append = (text: string) => {
    output += text;
    for (const wake of waiters) wake();
  };
  const exit = (async () => {
    await Promise.all([
      follow(serialLog, child.status, append),
      readText(child.stderr, append),
    ]);
    const { code } = await child.status;
    clearTimeout(timer);
    listeners.forEach(closeQuietly);
    await Deno.remove(dir, { recursive: true });
    ended = true;
    for (const wake of waiters) wake();
    return { code, timedOut };
  })();

  return {
    output: () => output,
    exit,
    kill,
    async waitFor(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (true) {
        const match = output.match(pattern);
        if (match) return match;
        const left = deadline - Date.now();
        if (ended || left <= 0) {
          throw new Error(
            `${
              ended ? "QEMU exited before" : `after ${timeoutMs} ms, no`
            } ${pattern}\n--- console ---\n${output.slice(-3000)}`,
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
      await exit;
    },
  };
}

/** Passes a stream's text to `onText` until it ends. */
async function readText(
  stream: ReadableStream<Uint8Array>,
  onText: (text: string) => void,
): Promise<void> {
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    onText(text);
  }
}

/**
 * Passes what is appended to the file at `path` (which QEMU creates) to
 * `onText` until `done` settles, then what is left.
 */
async function follow(
  path: string,
  done: Promise<unknown>,
  onText: (text: string) => void,
): Promise<void> {
  let finished = false;
  let wake = () => {};
  done.then(() => {
    finished = true;
    wake();
  });
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(64 * 1024);
  let file: Deno.FsFile | undefined;
  try {
    while (true) {
      const last = finished;
      file ??= await Deno.open(path).catch(() => undefined);
      for (let count; file && (count = await file.read(buffer)) !== null;) {
        onText(decoder.decode(buffer.subarray(0, count), { stream: true }));
      }
      if (last) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, POLL_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    file?.close();
  }
}
