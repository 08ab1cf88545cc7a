/**
 * Running a short-lived Wayland client (wayland-info, grim, wtype,
 * wl-paste) against one display and collecting how it ended. The display
 * is whatever `env` names: a compositor's socket, or a guard's socket in
 * front of one, so the same command runs straight and through the guard.
 *
 * @module
 */
import { capture, type CaptureResult } from "../../lib/exec/mod.ts";

/**
 * What a client needs to reach a display. WAYLAND_DISPLAY may be an
 * absolute socket path (libwayland connects to it as is), which is how
 * root clients reach a compositor that runs as another user.
 */
export interface ClientEnv {
  /** A socket name in XDG_RUNTIME_DIR, or an absolute socket path. */
  WAYLAND_DISPLAY: string;
  /** The client's runtime folder (some clients refuse to run without). */
  XDG_RUNTIME_DIR: string;
}

/** What {@linkcode runClient} runs besides the command. */
export interface RunClientOptions {
  /** Killed after this long; default 10 s. */
  timeoutMs?: number;
  /** Working folder. */
  cwd?: string;
}

/**
 * Runs `command` (program, then its arguments) on the display `env`
 * names and waits for it to end. A client the display refuses ends with
 * a non-zero status, which is for the caller to judge.
 *
 * @example
 * ```ts
 * const result = await runClient(sway.env, ["wayland-info"]);
 * ```
 */
export async function runClient(
  env: ClientEnv,
  command: readonly string[],
  options: RunClientOptions = {},
): Promise<CaptureResult> {
  const [program, ...args] = command;
  return await capture({
    program,
    args,
    env: { ...env },
    cwd: options.cwd,
    timeoutMs: options.timeoutMs ?? 10_000,
  });
}

/** One line on how a client ended, for assertion messages. */
export function describeExit(result: CaptureResult): string {
  const how = result.timedOut
    ? "timed out"
    : result.code === null
    ? "was killed"
    : `exited with ${result.code}`;
  const stderr = result.stderr.trim();
  return stderr ? `${how}: ${stderr}` : how;
}
