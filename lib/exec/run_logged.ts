/**
 * Running a long build step with its output going to a log file instead of
 * the terminal, and stopping it cleanly when the build is cancelled.
 *
 * @module
 */
import { writeAllSync } from "../io/mod.ts";

/** What {@linkcode runLogged} runs and where its output goes. */
export interface RunLoggedOptions {
  /** Program name or path. */
  program: string;
  /** Arguments, never joined into a shell string. */
  args: string[];
  /** Working directory. */
  cwd?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Receives stdout and stderr, interleaved as they arrive. */
  log: Deno.FsFile;
  /** Also receives every chunk (for `--verbose`). */
  echo?: (bytes: Uint8Array) => void;
  /** Called with each complete line of stdout and stderr. */
  onLine?: (line: string) => void;
  /** Aborting stops the program and waits for it before rejecting. */
  signal?: AbortSignal;
}

/** How long a program gets to exit after SIGTERM before it is killed. */
const KILL_GRACE_MS = 10_000;

/**
 * Runs a program to completion and returns its exit code (`null` when a
 * signal ended it). On abort the program gets SIGTERM (make and mmdebstrap
 * pass it on to their children), then SIGKILL after a grace period; this
 * rejects with the signal's reason only after the program has exited.
 */
export async function runLogged(
  options: RunLoggedOptions,
): Promise<number | null> {
  options.signal?.throwIfAborted();
  const child = new Deno.Command(options.program, {
    args: options.args,
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    signalChild(child, "SIGTERM");
    killTimer = setTimeout(() => signalChild(child, "SIGKILL"), KILL_GRACE_MS);
  };
  options.signal?.addEventListener("abort", stop, { once: true });
  try {
    const record = (bytes: Uint8Array) => {
      writeAllSync(options.log, bytes);
      options.echo?.(bytes);
    };
    const [status] = await Promise.all([
      child.status,
      pump(child.stdout, record, options.onLine),
      pump(child.stderr, record, options.onLine),
    ]);
    options.signal?.throwIfAborted();
    return status.signal ? null : status.code;
  } finally {
    options.signal?.removeEventListener("abort", stop);
    clearTimeout(killTimer);
  }
}

function signalChild(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    child.kill(signal);
  } catch {
    // It exited on its own in the meantime.
  }
}

async function pump(
  stream: ReadableStream<Uint8Array>,
  record: (bytes: Uint8Array) => void,
  onLine?: (line: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let partial = "";
  for await (const chunk of stream) {
    record(chunk);
    if (!onLine) continue;
    const lines = (partial + decoder.decode(chunk, { stream: true })).split(
      "\n",
    );
    partial = lines.pop()!;
    lines.forEach(onLine);
  }
  if (onLine && partial) onLine(partial);
}
