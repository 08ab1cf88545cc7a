/**
 * Booting one disposable micro VM to completion: the app runs, the guest
 * init reports, QEMU exits. The building block of `run` and of the smoke
 * tests.
 *
 * @module
 */
import { join } from "node:path";
import type { ControlReport } from "./control_report.ts";
import { openControlSession, readKeeping } from "./control_channel.ts";
import { closeQuietly } from "../io/mod.ts";
import { acceptOne } from "./one_connection.ts";
import {
  encodeLaunchSpec,
  frameLaunchSpec,
  type LaunchSpec,
} from "../guest/mod.ts";
import { type MicroVm, qemuArgs } from "./qemu_args.ts";
import { spawnQemu } from "./qemu_process.ts";
import { qmpQuit } from "./qmp.ts";

/** What {@linkcode bootVm} boots. */
export interface BootOptions
  extends
    Omit<MicroVm, "serialLog" | "appSocket" | "controlSocket" | "qmpSocket"> {
  /** Path of qemu-system-x86_64. */
  qemu: string;
  /** What the guest runs. */
  spec: LaunchSpec;
  /** Existing folder for the VM's files (serial log, sockets). */
  workDir: string;
  /** Kill QEMU after this long (no limit when absent). */
  timeoutMs?: number;
  /**
   * Aborting asks the guest to stop the app; QEMU is asked to quit over
   * QMP when the VM has not ended `stopGraceMs` later (SIGTERM if QMP does
   * not answer), and gets SIGKILL 5 s after that.
   */
  signal?: AbortSignal;
  /** Default 15 s: the init itself escalates to SIGKILL after 10 s. */
  stopGraceMs?: number;
  /** Receives the app's output as it arrives (guest bytes: sanitise them). */
  onAppOutput?: (bytes: Uint8Array) => void;
  /** Called once QEMU runs, with its pid. */
  onStarted?: (pid: number) => void | Promise<void>;
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
  /** The first 1 MiB of the app's output. */
  appOutput: Uint8Array;
}

const KEEP_APP_OUTPUT = 2 ** 20;

/**
 * Boots the VM and waits for QEMU to exit. QEMU is always reaped and the
 * sockets removed before this returns, also on timeout, abort or error.
 */
export async function bootVm(options: BootOptions): Promise<BootResult> {
  const serialLog = join(options.workDir, "serial.log");
  const appSocket = join(options.workDir, "app.sock");
  const controlSocket = join(options.workDir, "control.sock");
  const qmpSocket = join(options.workDir, "qmp.sock");
  const frame = frameLaunchSpec(encodeLaunchSpec(options.spec));
  const controlListener = Deno.listen({
    transport: "unix",
    path: controlSocket,
  });
  const appListener = Deno.listen({ transport: "unix", path: appSocket });
  const started = performance.now();
  let child: Deno.ChildProcess;
  try {
    child = await spawnQemu(options.qemu, {
      args: qemuArgs({
        ...options,
        serialLog,
        appSocket,
        controlSocket,
        qmpSocket,
      }),
      stdout: "null",
      stderr: "piped",
    });
  } catch (error) {
    controlListener.close();
    appListener.close();
    throw error;
  }
  const timers: ReturnType<typeof setTimeout>[] = [];
  const signalQemu = (signal: Deno.Signal) => {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  };
  let timedOut = false;
  if (options.timeoutMs !== undefined) {
    timers.push(setTimeout(() => {
      timedOut = true;
      signalQemu("SIGKILL");
    }, options.timeoutMs));
  }
  const control = openControlSession({ listener: controlListener, frame });
  const stop = () => {
    control.requestStop();
    timers.push(setTimeout(() => {
      qmpQuit(qmpSocket).catch(() => signalQemu("SIGTERM"));
      timers.push(setTimeout(() => signalQemu("SIGKILL"), 5_000));
    }, options.stopGraceMs ?? 15_000));
  };
  options.signal?.addEventListener("abort", stop, { once: true });
  try {
    await options.onStarted?.(child.pid);
    if (options.signal?.aborted) stop();
    const appOutput = acceptOne(appListener).then((connection) =>
      connection
        ? readKeeping(connection, KEEP_APP_OUTPUT, options.onAppOutput)
          .finally(() => connection.close())
        : new Uint8Array()
    );
    const stderr = new Response(child.stderr).text();
    const status = await child.status;
    // QEMU may have died before connecting; stop waiting for it.
    for (const listener of [controlListener, appListener]) {
      closeQuietly(listener);
    }
    return {
      report: await control.report,
      qemuCode: status.signal ? null : status.code,
      qemuStderr: (await stderr).trim(),
      timedOut,
      elapsedMs: Math.round(performance.now() - started),
      serialLog,
      appOutput: await appOutput,
    };
  } finally {
    timers.forEach(clearTimeout);
    options.signal?.removeEventListener("abort", stop);
    signalQemu("SIGKILL");
    await child.status;
    for (const socket of [controlSocket, appSocket, qmpSocket]) {
      await Deno.remove(socket).catch(() => {});
    }
  }
}
