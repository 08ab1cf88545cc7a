/**
 * `foot`, a Wayland terminal, as a test window: it needs a seat (sway and
 * mutter have one; headless weston does not), takes the keyboard focus
 * when sway maps it, and can fill its window with one colour, which
 * `showsWindow` (see `pixels.ts`) finds in a screenshot. weston's
 * `weston-simple-shm` is no substitute on sway 1.7: it aborts there
 * ("Both buffers busy at redraw()").
 *
 * @module
 */
import { type ProcessGroup, startProcessGroup } from "./process_group.ts";
import type { ClientEnv } from "./run_client.ts";

/** What {@linkcode startFoot} starts. */
export interface FootOptions {
  /** The display it opens its window on. */
  env: ClientEnv;
  /** The command it runs (argv); default `cat`, which waits for ever. */
  command?: readonly string[];
  /** Its window's app id; default foot's own (`foot`). */
  appId?: string;
  /** Background colour as `rrggbb`; default foot's (dark grey). */
  background?: string;
  /** Resolves once the window is ready (e.g. sway says it has the focus). */
  ready?: () => Promise<boolean>;
}

/** The command line for foot with `options`. */
export function footArgs(
  options: Omit<FootOptions, "env" | "ready">,
): string[] {
  return [
    "--log-level=warning",
    ...options.appId ? [`--app-id=${options.appId}`] : [],
    ...options.background
      ? ["--override", `colors.background=${options.background}`]
      : [],
    "--",
    ...options.command ?? ["cat"],
  ];
}

/** Starts foot, owned by the caller: disposing the group closes it. */
export async function startFoot(options: FootOptions): Promise<ProcessGroup> {
  return await startProcessGroup({
    program: "foot",
    args: footArgs(options),
    env: { ...options.env },
    ready: options.ready,
  });
}
