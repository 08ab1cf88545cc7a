/**
 * The globals a display offers, as `wayland-info` (wayland-utils) lists
 * them: one `interface: 'name', version: N, name: M` line per global,
 * with indented details (formats, output modes) that are skipped.
 *
 * @module
 */
import { type ClientEnv, describeExit, runClient } from "./run_client.ts";

/** One global of the registry. */
export interface WaylandGlobal {
  /** Its interface, e.g. `wl_compositor`. */
  interface: string;
  /** The version the display offers. */
  version: number;
  /** Its registry name (a number the display assigns). */
  name: number;
}

const GLOBAL_LINE =
  /^interface: '([A-Za-z_][A-Za-z0-9_]*)',\s+version:\s+(\d+),\s+name:\s+(\d+)\s*$/;

/** The globals in `wayland-info`'s output, in the order listed. */
export function parseWaylandInfo(text: string): WaylandGlobal[] {
  const globals: WaylandGlobal[] = [];
  for (const line of text.split("\n")) {
    const match = GLOBAL_LINE.exec(line);
    if (!match) continue;
    globals.push({
      interface: match[1],
      version: Number(match[2]),
      name: Number(match[3]),
    });
  }
  return globals;
}

/**
 * Runs `wayland-info` on the display `env` names and returns its globals;
 * throws when it fails (the display refused it or is not there).
 *
 * @example
 * ```ts
 * const names = (await listGlobals(sway.env)).map((g) => g.interface);
 * ```
 */
export async function listGlobals(env: ClientEnv): Promise<WaylandGlobal[]> {
  const result = await runClient(env, ["wayland-info"]);
  if (result.code !== 0) {
    throw new Error(`wayland-info ${describeExit(result)}`);
  }
  return parseWaylandInfo(result.stdout);
}
