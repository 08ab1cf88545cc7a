/**
 * The host ends of a VM's services: what its guest may reach over vsock
 * (see `SERVICE_PORTS`), each a UNIX socket on the host. Display: the VM's
 * own waypipe client. Audio: the user's pulse server (pipewire-pulse).
 * Everything started here belongs to the VM and stops with it.
 *
 * @module
 */
import { WAYPIPE_COMPRESS } from "../guest/mod.ts";
import { join } from "node:path";
import type { ServiceName } from "../guest/mod.ts";
import { startWaypipeClient } from "./waypipe_client.ts";

/** What a VM's app needs from the host. */
export interface ServiceNeeds {
  /** The app's name, for window titles. */
  name: string;
  /** Whether it shows windows. */
  display: "wayland" | "none";
  /** Whether it plays (or records) sound. */
  audio: "none" | "playback" | "duplex";
}

/** Where the host programs and the user's session are. */
export interface HostSession {
  /** Path of waypipe (needed for a display). */
  waypipe?: string;
  /** WAYLAND_DISPLAY, XDG_RUNTIME_DIR and PULSE_SERVER of the user. */
  env: {
    WAYLAND_DISPLAY?: string;
    XDG_RUNTIME_DIR?: string;
    PULSE_SERVER?: string;
  };
  /** Tells the user about a service left out (one line, no newline). */
  warn: (line: string) => void;
}

/** The VM's running host services; disposing stops them. */
export interface HostServices extends AsyncDisposable {
  /** Socket path of each service the VM may reach. */
  readonly sockets: Partial<Record<ServiceName, string>>;
}

/**
 * The user's pulse socket: PULSE_SERVER when it names a UNIX socket
 * (`unix:/path` or a bare path), else `$XDG_RUNTIME_DIR/pulse/native`.
 */
export function pulseSocketPath(
  env: HostSession["env"],
): string | undefined {
  const server = env.PULSE_SERVER;
  if (server) {
    const path = server.startsWith("unix:") ? server.slice(5) : server;
    return path.startsWith("/") ? path : undefined;
  }
  return env.XDG_RUNTIME_DIR
    ? join(env.XDG_RUNTIME_DIR, "pulse", "native")
    : undefined;
}

/**
 * Starts the services `needs` asks for, with sockets in `vmDir`. A missing
 * sound server is a warning (the app runs silent); a display that cannot
 * start is an error, since the app would be invisible.
 */
export async function startHostServices(
  needs: ServiceNeeds,
  session: HostSession,
  vmDir: string,
): Promise<HostServices> {
  const sockets: Partial<Record<ServiceName, string>> = {};
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
    stops.length = 0;
  };
  try {
    if (needs.display === "wayland") {
      if (!session.waypipe) {
        throw new Error(
          "the app shows windows, but waypipe is not installed; " +
            "`qubesify doctor` shows how to install it",
        );
      }
      const socket = join(vmDir, "wayland.sock");
      const client = await startWaypipeClient({
        waypipe: session.waypipe,
        socket,
        compress: WAYPIPE_COMPRESS,
        app: needs.name,
        env: session.env,
      });
      stops.push(() => client.stop());
      sockets.wayland = socket;
    }
    if (needs.audio !== "none") {
      const pulse = pulseSocketPath(session.env);
      const present = pulse !== undefined &&
        await Deno.stat(pulse).then(
          (info) => info.isSocket === true,
          () => false,
        );
      if (present) {
        sockets.audio = pulse;
      } else {
        session.warn(
          `no sound: no pulse server socket at ${
            pulse ?? "$XDG_RUNTIME_DIR/pulse/native"
          } (is pipewire-pulse running?)`,
        );
      }
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  return { sockets, [Symbol.asyncDispose]: stopAll };
}
