/**
 * Both ends of waypipe for the desktop tests. The host end is started with
 * qubesify's own argv (`waypipeClientArgs`), the guest end with the flags
 * the guest init uses, a UNIX socket standing in for vsock.
 *
 * @module
 */
import { waypipeClientArgs } from "../../lib/vm/mod.ts";
import {
  type ProcessGroup,
  socketExists,
  startProcessGroup,
} from "./process_group.ts";

/** What {@linkcode startTestWaypipeClient} starts. */
export interface TestWaypipeClientOptions {
  /** The socket the client creates. */
  socket: string;
  /** Compression; must match the server's (see DESIGN.md). */
  compress: string;
  /** The compositor it draws on. */
  env: { WAYLAND_DISPLAY: string; XDG_RUNTIME_DIR: string };
}

/**
 * Starts `waypipe client` as qubesify does for a VM and waits until its
 * socket exists.
 */
export async function startTestWaypipeClient(
  options: TestWaypipeClientOptions,
): Promise<ProcessGroup> {
  return await startProcessGroup({
    program: "waypipe",
    args: waypipeClientArgs({
      socket: options.socket,
      compress: options.compress,
    }),
    env: options.env,
    ready: () => socketExists(options.socket),
  });
}

/** What {@linkcode startWaypipeServer} runs. */
export interface WaypipeServerOptions {
  /** The socket to connect to (a waypipe client's, or a relay's). */
  socket: string;
  /** Compression; must match the client's (see DESIGN.md). */
  compress: string;
  /** The Wayland program to run under it. */
  command: string[];
  /** Its XDG_RUNTIME_DIR, where it offers the program a display. */
  runtimeDir: string;
}

/**
 * Starts `waypipe server -- command`. It connects to `socket` when the
 * program connects to it, so a refused or closed connection shows as the
 * program's window never appearing and the group exiting.
 */
export async function startWaypipeServer(
  options: WaypipeServerOptions,
): Promise<ProcessGroup> {
  return await startProcessGroup({
    program: "waypipe",
    args: [
      "--compress",
      options.compress,
      "--no-gpu",
      "--socket",
      options.socket,
      "server",
      "--",
      ...options.command,
    ],
    env: { XDG_RUNTIME_DIR: options.runtimeDir },
  });
}
