/**
 * Running a short-lived program to completion and capturing its output.
 *
 * @module
 */

/** What {@linkcode capture} runs. */
export interface CaptureOptions {
  /** Program name or path. */
  program: string;
  /** Arguments, never joined into a shell string. */
  args?: string[];
  /** Kill the program (SIGKILL) after this many milliseconds. */
  timeoutMs?: number;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Bytes written to the program's stdin, which is closed afterwards. */
  stdin?: Uint8Array;
  /** Working directory. */
  cwd?: string;
}

/** The outcome of {@linkcode capture}. */
export interface CaptureResult {
  /** Exit code; `null` when a signal ended the program. */
  code: number | null;
  /** Whether the timeout killed the program. */
  timedOut: boolean;
  /** Standard output, decoded as UTF-8. */
  stdout: string;
  /** Standard error, decoded as UTF-8. */
  stderr: string;
}

/**
 * Runs a program, waits for it, and returns its output. The child is always
 * reaped: on timeout it is killed and waited for before this returns.
 * Throws `Deno.errors.NotFound` when the program does not exist.
 */
export async function capture(options: CaptureOptions): Promise<CaptureResult> {
  const child = new Deno.Command(options.program, {
    args: options.args ?? [],
    env: options.env,
    cwd: options.cwd,
    stdin: options.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let timedOut = false;
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited between the timer firing and the kill.
    }
  }, options.timeoutMs);
  try {
    if (options.stdin) {
      const writer = child.stdin.getWriter();
      await writer.write(options.stdin).catch(() => {});
      await writer.close().catch(() => {});
    }
    const output = await child.output();
    const decoder = new TextDecoder();
    return {
      code: output.signal ? null : output.code,
      timedOut,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  } finally {
    clearTimeout(timer);
  }
}
