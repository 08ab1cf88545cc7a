/**
 * Other programs: finding them on PATH, running them to completion with
 * captured or logged output, background helpers that lead their own
 * process group, signals, liveness, progress lines, versions they print,
 * and turning Ctrl-C into an AbortSignal.
 *
 * Every program is started with an argv array, never a shell string.
 *
 * @example
 * ```ts
 * import { capture, findExecutable } from "./mod.ts";
 * const qemu = await findExecutable("qemu-system-x86_64", Deno.env.get("PATH") ?? "");
 * if (qemu) console.log((await capture(qemu, ["--version"])).stdout);
 * ```
 *
 * @module
 */
export {
  type Background,
  type BackgroundExit,
  type BackgroundOptions,
  BackgroundStartError,
  startBackground,
} from "./background.ts";
export { capture, type CaptureOptions, type CaptureResult } from "./capture.ts";
export { InterruptedError, withInterruption } from "./interruption.ts";
export { isProcessAlive, readKernelFile } from "./proc.ts";
export {
  createProgress,
  formatElapsed,
  type Progress,
  type ProgressOptions,
} from "./progress.ts";
export { runLogged, type RunLoggedOptions } from "./run_logged.ts";
export { sendSignal, signalProcessGroup } from "./send_signal.ts";
export {
  compareVersions,
  findVersion,
  formatVersion,
  type Version,
} from "./version.ts";
export { selfCommand } from "./self_command.ts";
export {
  findExecutable,
  MissingProgramError,
  requireExecutable,
} from "./which.ts";
export { withTimeout } from "./with_timeout.ts";
