/**
 * A private sound server for tests: pulseaudio with one null sink, its
 * native socket where a user's pulse server has it
 * (`$XDG_RUNTIME_DIR/pulse/native`), in a temporary folder of its own.
 * Clients play into the sink; recording the sink's monitor shows what
 * they played.
 *
 * ```ts
 * await using pulse = await startPulseServer();
 * const recording = await startRecording(pulse, 48_000);
 * await playS16le({ server: pulse.server, sink: pulse.sink, rate: 48_000, bytes: tone });
 * const samples = await recording.stop();
 * ```
 *
 * @module
 */
import { pulseSocketPath } from "../../lib/vm/mod.ts";
import { s16leSamples, TEST_RATE } from "./audio.ts";
import { socketExists, startPrivateDaemon } from "./process_group.ts";

/** A running pulseaudio; disposing stops it and removes its folder. */
export interface PulseServer extends AsyncDisposable {
  /** Its native protocol socket. */
  readonly socket: string;
  /** `unix:<socket>`, for a client's `--server` or PULSE_SERVER. */
  readonly server: string;
  /** The null sink's name. */
  readonly sink: string;
  /** The null sink's monitor source. */
  readonly monitor: string;
  /** Stops pulseaudio and removes its folder. */
  stop(): Promise<void>;
}

/** The sink every harness server has. */
export const TEST_SINK = "qubesify_test";

/** pulseaudio's argv: no default script, only a null sink and the socket. */
export function pulseaudioArgs(sink: string): string[] {
  return [
    "--daemonize=no",
    "-n",
    "--exit-idle-time=-1",
    "--use-pid-file=no",
    "--disable-shm",
    `--load=module-null-sink sink_name=${sink}`,
    "--load=module-native-protocol-unix",
  ];
}

/** Starts pulseaudio and waits until its socket exists. */
export async function startPulseServer(): Promise<PulseServer> {
  const daemon = await startPrivateDaemon(
    "qubesify-pulse-",
    ({ root, runtimeDir }) => ({
      program: "pulseaudio",
      args: pulseaudioArgs(TEST_SINK),
      // Its cookie and state go under HOME: keep them out of the real one.
      env: { HOME: root, XDG_RUNTIME_DIR: runtimeDir, XDG_CONFIG_HOME: root },
      ready: () => socketExists(pulseSocket(runtimeDir)),
    }),
  );
  const socket = pulseSocket(daemon.runtimeDir);
  return {
    socket,
    server: `unix:${socket}`,
    sink: TEST_SINK,
    monitor: `${TEST_SINK}.monitor`,
    stop: daemon.stop,
    [Symbol.asyncDispose]: daemon.stop,
  };
}

/** Where a pulse server with this runtime folder has its socket. */
function pulseSocket(runtimeDir: string): string {
  const socket = pulseSocketPath({ XDG_RUNTIME_DIR: runtimeDir });
  if (!socket) throw new Error("no pulse socket path for the runtime dir");
  return socket;
}

/** Raw s16le mono at `rate`, as pacat and parec are told to speak. */
function rawFormatArgs(rate: number): string[] {
  return ["--raw", "--format=s16le", `--rate=${rate}`, "--channels=1"];
}

/**
 * A pulse client's environment: its own empty HOME and runtime folder, so
 * it neither reads the real user's cookie nor writes there.
 */
async function clientHome(): Promise<
  { env: Record<string, string>; [Symbol.asyncDispose]: () => Promise<void> }
> {
  const home = await Deno.makeTempDir({ prefix: "qubesify-pulse-client-" });
  return {
    env: { HOME: home, XDG_CONFIG_HOME: home, XDG_RUNTIME_DIR: home },
    [Symbol.asyncDispose]: () => Deno.remove(home, { recursive: true }),
  };
}

/** What {@linkcode playS16le} plays, and where. */
export interface PlayOptions {
  /** Server address, `unix:<socket>`. */
  server: string;
  /** Sink to play into. */
  sink: string;
  /** Samples per second of `bytes`. */
  rate: number;
  /** s16le mono samples. */
  bytes: Uint8Array;
  /** Give up (SIGKILL) after this long; default 15 s. */
  timeoutMs?: number;
}

/** The outcome of a pulse client. */
export interface ClientResult {
  /** Exit status; 128 + n for signal n. */
  code: number;
  /** What it wrote to standard error. */
  stderr: string;
}

/**
 * Plays the samples with pacat and waits until it has drained them (or
 * failed: a refused or closed connection is a non-zero status).
 */
export async function playS16le(options: PlayOptions): Promise<ClientResult> {
  await using home = await clientHome();
  const child = new Deno.Command("pacat", {
    args: [
      "--playback",
      `--server=${options.server}`,
      `--device=${options.sink}`,
      ...rawFormatArgs(options.rate),
    ],
    env: home.env,
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
  }, options.timeoutMs ?? 15_000);
  try {
    const writer = child.stdin.getWriter();
    // A pacat that failed to connect has closed its stdin; its status says why.
    await writer.write(options.bytes).catch(() => {});
    await writer.close().catch(() => {});
    const [status, stderr] = await Promise.all([
      child.status,
      new Response(child.stderr).text(),
    ]);
    return { code: status.code, stderr: stderr.trim() };
  } finally {
    clearTimeout(timer);
  }
}

/** A running recording. */
export interface Recording extends AsyncDisposable {
  /** Stops recording and returns every sample recorded. */
  stop(): Promise<Int16Array>;
}

/**
 * Starts parec on the monitor of `pulse`'s sink, at `rate`, and resolves
 * once its first samples arrived, so that whatever is played afterwards is
 * in the recording. Small fragments
 * (20 ms) keep parec from holding back the last second when stopped.
 */
export async function startRecording(
  pulse: Pick<PulseServer, "server" | "monitor">,
  rate: number = TEST_RATE,
): Promise<Recording> {
  const home = await clientHome();
  const child = new Deno.Command("parec", {
    args: [
      `--server=${pulse.server}`,
      `--device=${pulse.monitor}`,
      "--latency-msec=20",
      ...rawFormatArgs(rate),
    ],
    env: home.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const chunks: Uint8Array[] = [];
  let received = 0;
  const reading = (async () => {
    for await (const chunk of child.stdout) {
      chunks.push(chunk);
      received += chunk.length;
    }
  })();
  let exited = false;
  child.status.then(() => exited = true);
  let stopping: Promise<string> | undefined;
  const stopChild = () =>
    stopping ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already exited.
      }
      await child.status;
      await reading;
      await home[Symbol.asyncDispose]();
      return (await stderr).trim();
    })();
  const deadline = Date.now() + 10_000;
  while (received === 0) {
    if (exited || Date.now() > deadline) {
      const why = await stopChild();
      throw new Error(
        `parec recorded nothing from ${pulse.monitor}${why ? `: ${why}` : ""}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const stop = async () => {
    await stopChild();
    const all = new Uint8Array(received);
    let offset = 0;
    for (const chunk of chunks) {
      all.set(chunk, offset);
      offset += chunk.length;
    }
    return s16leSamples(all);
  };
  return { stop, [Symbol.asyncDispose]: async () => void await stop() };
}
