/**
 * The host end of a VM's display: one `waypipe client` per VM, listening
 * on a socket in the VM's runtime folder and drawing on the user's Wayland
 * session. The guest's `waypipe server` reaches it only through the
 * dispatcher, which checks that the connection comes from this VM.
 *
 * @module
 */
import { type Background, capture, startBackground } from "../exec/mod.ts";
import { compareVersions, findVersion, type Version } from "../exec/mod.ts";
import { QubesifyError } from "../errors/mod.ts";

/** How {@linkcode waypipeClientArgs} configures the client. */
export interface WaypipeClientArgs {
  /** Socket the client creates and the guest's server connects to. */
  socket: string;
  /** Compression; the guest's server must use the same (see DESIGN.md). */
  compress: string;
  /** Prefix for window titles, when this waypipe supports it (≥ 0.9). */
  titlePrefix?: string;
}

/** First waypipe that has `--title-prefix`. */
export const TITLE_PREFIX_SINCE: Version = [0, 9];

/**
 * The client's argv. `--no-gpu` keeps the guest from asking the host for
 * GPU buffers: guests have no GPU, and the fewer protocols an untrusted
 * peer can drive on the host, the better.
 */
export function waypipeClientArgs(options: WaypipeClientArgs): string[] {
  return [
    "--compress",
    options.compress,
    "--no-gpu",
    "--socket",
    options.socket,
    ...(options.titlePrefix === undefined
      ? []
      : ["--title-prefix", options.titlePrefix]),
    "client",
  ];
}

/** What {@linkcode startWaypipeClient} needs. */
export interface StartWaypipeClientOptions {
  /** Path of waypipe. */
  waypipe: string;
  /** Socket to create, in the VM's runtime folder. */
  socket: string;
  /** Compression, as given to the guest. */
  compress: string;
  /** The app's name, shown as `[app] ` before its window titles. */
  app: string;
  /** The host environment: WAYLAND_DISPLAY and XDG_RUNTIME_DIR. */
  env: { WAYLAND_DISPLAY?: string; XDG_RUNTIME_DIR?: string };
}

/** The Wayland session a display needs is missing. */
export class NoWaylandSessionError extends QubesifyError {
  /** Explains what is missing. */
  constructor(what: string) {
    super(
      `the app shows windows, but ${what}; run qubesify from your Wayland ` +
        "desktop session (or set WAYLAND_DISPLAY and XDG_RUNTIME_DIR)",
    );
  }
}

/**
 * Starts the VM's waypipe client and waits until its socket exists.
 * Throws {@linkcode NoWaylandSessionError} when there is no session to
 * draw on, and the client's own words when it does not start.
 */
export async function startWaypipeClient(
  options: StartWaypipeClientOptions,
): Promise<Background> {
  const { WAYLAND_DISPLAY, XDG_RUNTIME_DIR } = options.env;
  if (!WAYLAND_DISPLAY) {
    throw new NoWaylandSessionError("WAYLAND_DISPLAY is not set");
  }
  if (!XDG_RUNTIME_DIR && !WAYLAND_DISPLAY.startsWith("/")) {
    throw new NoWaylandSessionError("XDG_RUNTIME_DIR is not set");
  }
  const version = findVersion(
    (await capture({
      program: options.waypipe,
      args: ["--version"],
      timeoutMs: 5_000,
    })).stdout,
    "waypipe",
  );
  const titled = version !== undefined &&
    compareVersions(version, TITLE_PREFIX_SINCE) >= 0;
  return await startBackground({
    program: options.waypipe,
    args: waypipeClientArgs({
      socket: options.socket,
      compress: options.compress,
      titlePrefix: titled ? `[${options.app}] ` : undefined,
    }),
    env: { WAYLAND_DISPLAY, ...(XDG_RUNTIME_DIR ? { XDG_RUNTIME_DIR } : {}) },
    ready: () =>
      Deno.stat(options.socket).then((info) => info.isSocket === true),
  });
}
