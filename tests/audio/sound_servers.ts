/**
 * The two sound servers the audio guard is tested against, each private
 * (a temporary HOME and runtime folder) with one null sink whose monitor
 * shows what was played:
 *
 * - pulseaudio as users run it, shared memory on (the desktop harness's
 *   server turns it off; the guard must turn it off by itself);
 * - pipewire-pulse, started the way a headless root session can: pipewire
 *   under `dbus-run-session` (wireplumber needs a session bus), with
 *   wireplumber and pipewire-pulse as its `context.exec` children, so one
 *   process group holds them all.
 *
 * @module
 */
import { join } from "node:path";
import { findExecutable } from "../../lib/exec/mod.ts";
import { socketExists, startPrivateDaemon } from "../desktop/process_group.ts";
import {
  pulseaudioArgs,
  type PulseServer,
  TEST_SINK,
} from "../desktop/pulse_server.ts";
import { runPulseClient } from "./pulse_clients.ts";

/** The programs {@linkcode startPipewirePulse} needs. */
export const PIPEWIRE_PROGRAMS = [
  "dbus-run-session",
  "pipewire",
  "wireplumber",
];

/** A started daemon as a {@linkcode PulseServer}. */
function pulseServer(
  runtimeDir: string,
  stop: () => Promise<void>,
): PulseServer {
  const socket = join(runtimeDir, "pulse", "native");
  return {
    socket,
    server: `unix:${socket}`,
    sink: TEST_SINK,
    monitor: `${TEST_SINK}.monitor`,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** pulseaudio with a null sink and shared memory allowed. */
export async function startPulseaudio(): Promise<PulseServer> {
  const daemon = await startPrivateDaemon(
    "qubesify-pulse-shm-",
    ({ root, runtimeDir }) => ({
      program: "pulseaudio",
      args: pulseaudioArgs(TEST_SINK).filter((arg) => arg !== "--disable-shm"),
      env: { HOME: root, XDG_RUNTIME_DIR: runtimeDir, XDG_CONFIG_HOME: root },
      ready: () => socketExists(join(runtimeDir, "pulse", "native")),
    }),
  );
  return pulseServer(daemon.runtimeDir, daemon.stop);
}

/** pipewire, wireplumber and pipewire-pulse, with a null sink. */
export async function startPipewirePulse(): Promise<PulseServer> {
  const path = Deno.env.get("PATH") ?? "";
  const [wireplumber, pipewire] = await Promise.all([
    findExecutable("wireplumber", path),
    findExecutable("pipewire", path),
  ]);
  if (!wireplumber || !pipewire) throw new Error("pipewire is not installed");
  const daemon = await startPrivateDaemon(
    "qubesify-pipewire-",
    async ({ root, runtimeDir }) => {
      const drop = join(root, "pipewire", "pipewire.conf.d");
      await Deno.mkdir(drop, { recursive: true });
      await Deno.writeTextFile(
        join(drop, "qubesify.conf"),
        "context.exec = [\n" +
          `  { path = "${wireplumber}" args = "" }\n` +
          `  { path = "${pipewire}" args = "-c pipewire-pulse.conf" }\n` +
          "]\n",
      );
      return {
        program: "dbus-run-session",
        args: ["--", pipewire],
        env: { HOME: root, XDG_RUNTIME_DIR: runtimeDir, XDG_CONFIG_HOME: root },
        ready: () => socketExists(join(runtimeDir, "pulse", "native")),
      };
    },
  );
  const server = pulseServer(daemon.runtimeDir, daemon.stop);
  try {
    const loaded = await runPulseClient(server.server, "pactl", [
      "load-module",
      "module-null-sink",
      `sink_name=${TEST_SINK}`,
    ]);
    if (loaded.code !== 0) {
      throw new Error(`pipewire-pulse has no null sink: ${loaded.stderr}`);
    }
    return server;
  } catch (error) {
    await daemon.stop();
    throw error;
  }
}
