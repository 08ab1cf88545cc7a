/**
 * The host end of a VM's display: one `waypipe client` per VM, listening
 * on a socket in the VM's runtime folder and drawing through the VM's
 * display guard, never straight on the user's compositor. The guest's
 * `waypipe server` reaches it only over the VM's own vsock.
 *
 * @module
 */
import { type Background, startBackground } from "../exec/mod.ts";
import { QubesifyError } from "../errors/mod.ts";

/** How {@linkcode waypipeClientArgs} configures the client. */
export interface WaypipeClientArgs {
  /** Socket the client creates and the guest's server connects to. */
  socket: string;
  /** Compression; the guest's server must use the same (see DESIGN.md). */
  compress: string;
}

/**
 * The client's argv. `--no-gpu` keeps the guest from asking the host for
 * GPU buffers: guests have no GPU, and the fewer protocols an untrusted
 * peer can drive on the host, the better. Titles are labelled by the
 * display guard, whatever this waypipe's version.
 */
export function waypipeClientArgs(options: WaypipeClientArgs): string[] {
  return [
    "--compress",
    options.compress,
    "--no-gpu",
    "--socket",
    options.socket,
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
  /** The display it draws on: the VM's display guard's socket. */
  display: string;
  /** The user's runtime folder, when set. */
  runtimeDir?: string;
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
 * The compositor's socket from the user's WAYLAND_DISPLAY: an absolute
 * path as it is, a name inside XDG_RUNTIME_DIR. Throws
 * {@linkcode NoWaylandSessionError} when there is no session to draw on.
 */
export function compositorSocket(
  env: { WAYLAND_DISPLAY?: string; XDG_RUNTIME_DIR?: string },
): string {
  const { WAYLAND_DISPLAY, XDG_RUNTIME_DIR } = env;
  if (!WAYLAND_DISPLAY) {
    throw new NoWaylandSessionError("WAYLAND_DISPLAY is not set");
  }
  if (WAYLAND_DISPLAY.startsWith("/")) return WAYLAND_DISPLAY;
  if (!XDG_RUNTIME_DIR) {
    throw new NoWaylandSessionError("XDG_RUNTIME_DIR is not set");
  }
  return `${XDG_RUNTIME_DIR}/${WAYLAND_DISPLAY}`;
}

/** Starts the VM's waypipe client and waits until its socket exists. */
export async function startWaypipeClient(
  options: StartWaypipeClientOptions,
): Promise<Background> {
  return await startBackground({
    program: options.waypipe,
    args: waypipeClientArgs(options),
    env: {
      WAYLAND_DISPLAY: options.display,
      ...(options.runtimeDir ? { XDG_RUNTIME_DIR: options.runtimeDir } : {}),
    },
    ready: () =>
      Deno.stat(options.socket).then((info) => info.isSocket === true),
  });
}
