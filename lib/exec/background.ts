/**
 * A long-running helper program (a waypipe client, a dispatcher) owned by
 * the code that started it: it is stopped, and reaped, when its owner is
 * done, and a start that fails says why with the program's own words.
 *
 * @module
 */

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
   * polled every 20 ms until `readyTimeoutMs`.
   */
  ready: () => Promise<boolean>;
  /** Default 5 s. */
  readyTimeoutMs?: number;
  /** Default 3 s between SIGTERM and SIGKILL when stopping. */
  stopGraceMs?: number;
}

/** A running background program; disposing it stops it. */
export interface Background extends AsyncDisposable {
  /** Its process id. */
  readonly pid: number;
  /** Resolves when it exits, for whatever reason, with its error output. */
  readonly exited: Promise<{ code: number; stderr: string }>;
  /** SIGTERM, then SIGKILL after the grace time; resolves once reaped. */
  stop(): Promise<void>;
}

/** The program exited or never became ready. */
export class BackgroundStartError extends Error {
  /** Describes why `program` did not start. */
  constructor(program: string, why: string) {
    super(`${program} did not start: ${why}`);
    this.name = "BackgroundStartError";
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
  }).spawn();
  const stderr = new Response(child.stderr).text().catch(() => "");
  const exited = child.status.then(async (status) => ({
    code: status.code,
    stderr: (await stderr).trim(),
  }));
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      const signal = (name: Deno.Signal) => {
        try {
          child.kill(name);
        } catch {
          // Already exited.
        }
      };
      signal("SIGTERM");
      const timer = setTimeout(
        () => signal("SIGKILL"),
        options.stopGraceMs ?? 3_000,
      );
      await exited;
      clearTimeout(timer);
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
    if (await options.ready().catch(() => false)) break;
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
    [Symbol.asyncDispose]: stop,
  };
}

function lastLines(text: string): string {
  return text.split("\n").slice(-5).join("\n");
}
