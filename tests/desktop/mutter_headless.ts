/**
 * A private mutter for tests: GNOME's compositor, headless with one
 * virtual monitor, Wayland only, on a D-Bus session bus of its own, in a
 * temporary folder of its own. Mutter offers no screen-capture protocol
 * to clients, so tests on it check the protocol level only (which globals
 * a client sees, whether a client runs).
 *
 * ```ts
 * await using mutter = await startMutter();
 * const globals = await listGlobals(mutter.env);
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { socketExists, startPrivateDaemon } from "./process_group.ts";
import type { ClientEnv } from "./run_client.ts";

/** What {@linkcode startMutter} starts. */
export interface MutterOptions {
  /** The virtual monitor's size in pixels; default 1024 × 768. */
  width?: number;
  /** Default 768. */
  height?: number;
}

/** A running headless mutter; disposing stops it and removes its folder. */
export interface MutterHeadless extends AsyncDisposable {
  /** Absolute path of its Wayland socket. */
  readonly socket: string;
  /** Environment a client needs to reach it (WAYLAND_DISPLAY is a path). */
  readonly env: ClientEnv;
  /** Stops mutter and its bus, and removes its folder. */
  stop(): Promise<void>;
}

/** The socket name mutter is told to use. */
const DISPLAY = "wayland-test";

/**
 * `dbus-run-session`'s command line for mutter: mutter wants a session
 * bus, and dbus-run-session gives it a private one that ends with it.
 */
export function mutterArgs(
  options: { display: string; width: number; height: number },
): string[] {
  return [
    "--",
    "mutter",
    "--headless",
    "--wayland",
    "--no-x11",
    "--virtual-monitor",
    `${options.width}x${options.height}`,
    `--wayland-display=${options.display}`,
  ];
}

/** Starts mutter and waits until its socket exists. */
export async function startMutter(
  options: MutterOptions = {},
): Promise<MutterHeadless> {
  const daemon = await startPrivateDaemon(
    "qubesify-mutter-",
    ({ root, runtimeDir }) => ({
      program: "dbus-run-session",
      args: mutterArgs({
        display: DISPLAY,
        width: options.width ?? 1024,
        height: options.height ?? 768,
      }),
      // Its settings and caches go under HOME: keep them out of the real one.
      env: {
        HOME: root,
        XDG_RUNTIME_DIR: runtimeDir,
        XDG_CONFIG_HOME: join(root, "config"),
        XDG_CACHE_HOME: join(root, "cache"),
        XDG_DATA_HOME: join(root, "data"),
      },
      ready: () => socketExists(join(runtimeDir, DISPLAY)),
    }),
  );
  const socket = join(daemon.runtimeDir, DISPLAY);
  return {
    socket,
    // Clients may share mutter's runtime folder: both run as this user.
    env: { WAYLAND_DISPLAY: socket, XDG_RUNTIME_DIR: daemon.runtimeDir },
    stop: daemon.stop,
    [Symbol.asyncDispose]: daemon.stop,
  };
}
