/**
 * Booting one disposable micro VM to completion: the app runs, the guest
 * init reports, QEMU exits. The building block of `run` and of the image
 * smoke tests.
 *
 * @module
 */
import { join } from "node:path";
import type { ControlReport } from "./control_report.ts";
import { serveControl } from "./control_channel.ts";
import {
  encodeLaunchSpec,
  frameLaunchSpec,
  type LaunchSpec,
} from "./launch_spec.ts";
import { type MicroVm, qemuArgs } from "./qemu_args.ts";

/** What {@linkcode bootVm} boots. */
export interface BootOptions
  extends Omit<MicroVm, "serialLog" | "appOutput" | "controlSocket"> {
  /** Path of qemu-system-x86_64. */
  qemu: string;
  /** What the guest runs. */
  spec: LaunchSpec;
  /** Existing folder for the VM's files (serial log, app output, sockets). */
  workDir: string;
  /** Kill QEMU after this long. */
  timeoutMs: number;
  /** Aborting kills QEMU. */
  signal?: AbortSignal;
}

/** How a boot ended. */
export interface BootResult {
  /** What the guest init reported. */
  report: ControlReport;
  /** QEMU's exit code (`null` when a signal ended it). */
  qemuCode: number | null;
  /** QEMU's own error output. */
  qemuStderr: string;
  /** Whether the timeout killed QEMU. */
  timedOut: boolean;
  /** Wall time from spawning QEMU to its exit. */
  elapsedMs: number;
  /** File with the kernel's and init's console messages. */
  serialLog: string;
  /** File with the app's stdout and stderr. */
  appOutput: string;
}

/**
 * Boots the VM and waits for QEMU to exit. QEMU is always reaped before
 * this returns, also on timeout, abort or error.
 */
export async function bootVm(options: BootOptions): Promise<BootResult> {
  const serialLog = join(options.workDir, "serial.log");
  const appOutput = join(options.workDir, "app.out");
  const controlSocket = join(options.workDir, "control.sock");
  const frame = frameLaunchSpec(encodeLaunchSpec(options.spec));
  const listener = Deno.listen({ transport: "unix", path: controlSocket });
  const started = performance.now();
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(options.qemu, {
      args: qemuArgs({ ...options, serialLog, appOutput, controlSocket }),
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    listener.close();
    throw error;
  }
  let timedOut = false;
  const kill = () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, options.timeoutMs);
  options.signal?.addEventListener("abort", kill, { once: true });
  try {
    const report = serveControl({ listener, frame });
    const stderr = new Response(child.stderr).text();
    const status = await child.status;
    // QEMU may have died before connecting; stop waiting for it.
    try {
      listener.close();
    } catch {
      // serveControl closed it after accepting.
    }
    return {
      report: await report,
      qemuCode: status.signal ? null : status.code,
      qemuStderr: (await stderr).trim(),
      timedOut,
      elapsedMs: Math.round(performance.now() - started),
      serialLog,
      appOutput,
    };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", kill);
    kill();
    await child.status;
    await Deno.remove(controlSocket).catch(() => {});
  }
}
