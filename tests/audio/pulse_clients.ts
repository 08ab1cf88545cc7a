/**
 * Pulse clients (pacat, parec, pactl) pointed at one server address: the
 * guard's socket or the server's own. Each runs with an empty HOME of its
 * own, so that it neither reads the real user's cookie nor writes there,
 * and with `PULSE_LOG=4`, so that its standard error says what it
 * negotiated ("Negotiated SHM: no").
 *
 * @module
 */
import { capture, type CaptureResult } from "../../lib/exec/mod.ts";

/** What {@linkcode runPulseClient} sends besides the command. */
export interface PulseClientOptions {
  /** Bytes for its standard input. */
  stdin?: Uint8Array;
  /** Killed after this long; default 15 s. */
  timeoutMs?: number;
}

/** A client's environment: an empty folder as its HOME and runtime folder. */
async function clientEnv(): Promise<
  { env: Record<string, string>; [Symbol.asyncDispose]: () => Promise<void> }
> {
  const home = await Deno.makeTempDir({ prefix: "qubesify-pulse-client-" });
  return {
    env: {
      HOME: home,
      XDG_CONFIG_HOME: home,
      XDG_RUNTIME_DIR: home,
      PULSE_LOG: "4",
    },
    [Symbol.asyncDispose]: () => Deno.remove(home, { recursive: true }),
  };
}

/**
 * Runs `program` with `--server=<server>` before `args` and waits for it.
 *
 * @example
 * ```ts
 * const info = await runPulseClient(`unix:${guard.path}`, "pactl", ["info"]);
 * ```
 */
export async function runPulseClient(
  server: string,
  program: string,
  args: readonly string[],
  options: PulseClientOptions = {},
): Promise<CaptureResult> {
  await using home = await clientEnv();
  return await capture({
    program,
    args: [`--server=${server}`, ...args],
    env: home.env,
    stdin: options.stdin,
    timeoutMs: options.timeoutMs ?? 15_000,
  });
}

/** A client left running; stopping it returns what it wrote. */
export interface RunningClient {
  /** SIGTERM, then its output. */
  stop(): Promise<{ stdout: string; stderr: string }>;
}

/**
 * Starts `program` in the background, its standard input an open pipe
 * (pacat plays what arrives there until stopped).
 */
export async function startPulseClient(
  server: string,
  program: string,
  args: readonly string[],
): Promise<RunningClient> {
  const home = await clientEnv();
  const child = new Deno.Command(program, {
    args: [`--server=${server}`, ...args],
    env: home.env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = child.output();
  let stopping: Promise<{ stdout: string; stderr: string }> | undefined;
  return {
    stop: () =>
      stopping ??= (async () => {
        try {
          child.kill("SIGTERM");
        } catch {
          // Already exited.
        }
        await child.stdin.close().catch(() => {});
        const { stdout, stderr } = await output;
        await home[Symbol.asyncDispose]();
        const text = new TextDecoder();
        return { stdout: text.decode(stdout), stderr: text.decode(stderr) };
      })(),
  };
}
