/**
 * A long-running helper program (a waypipe client) owned by the code that
 * started it: it is stopped, with every process it forked, when its owner
 * is done, and a start that fails says why with the program's own words.
 *
 * The program leads a process group of its own: waypipe forks a process
 * per connection that outlives its main process on SIGTERM, so stopping
 * signals the whole group.
 *
 * @module
 */

import { signalProcessGroup } from "./send_signal.ts";
import { QubesifyError } from "../errors/mod.ts";
import { withTimeout } from "./with_timeout.ts";

/** What {@linkcode startBackground} runs. */
export interface BackgroundOptions {
  /** Program name or path. */
  program: string;
  /** Arguments, never joined into a shell string. */
  args: string[];
  /** Extra environment variables. */
  env?: Record<string, string>;
  /**
   * Resolves once the program is ready to serve (e.g. its socket exists);
   * polled every 20 ms until `readyTimeoutMs`. Default: ready at once.
   */
  ready?: () => Promise<boolean>;
  /** Default 5 s. */
  readyTimeoutMs?: number;
  /** Default 3 s between SIGTERM and SIGKILL when stopping. */
  stopGraceMs?: number;
}

/** How a background program ended, with its error output. */
export interface BackgroundExit {
  /** Exit status; 128 + n for signal n. */
  code: number;
  /** What it (and what it forked) wrote to standard error. */
  stderr: string;
}

/** A running background program; disposing it stops it. */
export interface Background extends AsyncDisposable {
  /** Its process id, which is also its process group's id. */
  readonly pid: number;
  /** Resolves when it exits, for whatever reason. */
  readonly exited: Promise<BackgroundExit>;
  /**
   * SIGTERM to the group, SIGKILL after the grace time, then SIGKILL to
   * whatever outlived the program; resolves once it is reaped.
   */
  stop(): Promise<BackgroundExit>;
}

/** The program exited or never became ready. */
export class BackgroundStartError extends QubesifyError {
  /** Describes why `program` did not start. */
  constructor(program: string, why: string) {
    super(`${program} did not start: ${why}`);
  }
}

/**
 * Starts the program and waits until `ready` says so. When it exits first
 * or the wait times out, it is stopped and a {@linkcode BackgroundStartError}
 * carries the end of its error output.
 */
export async function startBackground(
  options: BackgroundOptions,
): Promise<Background> {
  const child = new Deno.Command(options.program, {
    args: options.args,
    env: options.env,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    detached: true,
  }).spawn();
  const stderr = new Response(child.stderr).text().catch(() => "");
  // A forked child may hold stderr open after the program exited.
  const exited = child.status.then(async (status) => ({
    code: status.code,
    stderr: await withTimeout(stderr, STDERR_GRACE_MS).then((text) =>
      text === "timeout" ? "" : text.trim()
    ),
  }));
  let stopping: Promise<BackgroundExit> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await signalProcessGroup(child.pid, "TERM");
      const timer = setTimeout(
        () => signalProcessGroup(child.pid, "KILL"),
        options.stopGraceMs ?? 3_000,
      );
      const exit = await exited;
      clearTimeout(timer);
      // The leader is gone; what it forked may not be.
      await signalProcessGroup(child.pid, "KILL");
      return exit;
    })();
    return stopping;
  };
  let hasExited = false;
  exited.then(() => hasExited = true);
  const deadline = Date.now() + (options.readyTimeoutMs ?? 5_000);
  while (true) {
    if (hasExited) {
      const { code, stderr } = await exited;
      throw new BackgroundStartError(
        options.program,
        `it exited with status ${code}${
          stderr ? `: ${lastLines(stderr)}` : ""
        }`,
      );
    }
    if (!options.ready || await options.ready().catch(() => false)) break;
    if (Date.now() > deadline) {
      await stop();
      const { stderr } = await exited;
      throw new BackgroundStartError(
        options.program,
        `not ready after ${options.readyTimeoutMs ?? 5_000} ms${
          stderr ? `: ${lastLines(stderr)}` : ""
        }`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    pid: child.pid,
    exited,
    stop,
    [Symbol.asyncDispose]: async () => void await stop(),
  };
}

const STDERR_GRACE_MS = 500;

function lastLines(text: string): string {
  return text.split("\n").slice(-5).join("\n");
}
