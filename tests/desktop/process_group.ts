/**
 * A test's background program together with everything it forks. waypipe
 * 0.8.4 forks a process per connection (and, as a server, the program it
 * runs), and its main process exits on SIGTERM without stopping them; they
 * keep its output pipe open, so waiting for the main process alone would
 * leave them running and a reader of that pipe waiting forever. Started in
 * a session of its own, the whole process group is stopped at once.
 *
 * @module
 */

/** What {@linkcode startProcessGroup} runs. */
export interface ProcessGroupOptions {
  /** Program name or path. */
  program: string;
  /** Arguments, never joined into a shell string. */
  args: string[];
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Polled every 20 ms until true or `readyTimeoutMs`; default: at once. */
  ready?: () => Promise<boolean>;
  /** Default 10 s. */
  readyTimeoutMs?: number;
  /** Between SIGTERM and SIGKILL to the group when stopping; default 2 s. */
  stopGraceMs?: number;
}

/** How the group's leader ended, with its error output. */
export interface GroupExit {
  /** Exit status; 128 + n for signal n. */
  code: number;
  /** Everything the group wrote to standard error. */
  stderr: string;
}

/** A running process group; disposing it stops every member. */
export interface ProcessGroup extends AsyncDisposable {
  /** The leader's pid, which is also the group id. */
  readonly pid: number;
  /** Resolves when the leader exits. */
  readonly exited: Promise<{ code: number }>;
  /**
   * Stops the group (SIGTERM, SIGKILL after the grace time), then SIGKILLs
   * whatever members outlived the leader, and returns how the leader ended
   * and what the group wrote.
   */
  stop(): Promise<GroupExit>;
}

/**
 * Starts `program` as the leader of a new session and process group and
 * waits until `ready` holds. When it exits first or is not ready in time,
 * the group is stopped and the error carries the program's own words.
 */
export async function startProcessGroup(
  options: ProcessGroupOptions,
): Promise<ProcessGroup> {
  const child = new Deno.Command(options.program, {
    args: options.args,
    env: options.env,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    detached: true,
  }).spawn();
  const stderr = new Response(child.stderr).text().catch(() => "");
  const exited = child.status.then((status) => ({ code: status.code }));
  let leaderDone = false;
  exited.then(() => leaderDone = true);
  const signalGroup = (signal: Deno.Signal) => {
    try {
      Deno.kill(-child.pid, signal);
    } catch {
      // No member left to signal.
    }
  };
  let stopping: Promise<GroupExit> | undefined;
  const stop = () =>
    stopping ??= (async () => {
      signalGroup("SIGTERM");
      const timer = setTimeout(
        () => signalGroup("SIGKILL"),
        options.stopGraceMs ?? 2_000,
      );
      const { code } = await exited;
      clearTimeout(timer);
      signalGroup("SIGKILL");
      return { code, stderr: (await stderr).trim() };
    })();
  const deadline = Date.now() + (options.readyTimeoutMs ?? 10_000);
  const ready = options.ready ?? (() => Promise.resolve(true));
  while (!await ready().catch(() => false)) {
    if (leaderDone || Date.now() > deadline) {
      const why = leaderDone
        ? `it exited with status ${(await exited).code}`
        : `not ready after ${options.readyTimeoutMs ?? 10_000} ms`;
      const { stderr } = await stop();
      throw new Error(
        `${options.program} did not start: ${why}${
          stderr ? `: ${stderr.split("\n").slice(-5).join("\n")}` : ""
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

/**
 * How the group's leader ended, if it ends by itself within `timeoutMs`;
 * undefined when it is still running then (it is left running).
 */
export async function exitWithin(
  group: ProcessGroup,
  timeoutMs: number,
): Promise<{ code: number } | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      group.exited,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
