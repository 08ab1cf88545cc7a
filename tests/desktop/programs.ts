/**
 * The programs the desktop tests drive, and a skip note naming the ones
 * missing: CI installs all of them, so a skip here means a machine set up
 * differently, and the note says what to install.
 *
 * @module
 */
import { findExecutable } from "../../lib/exec/mod.ts";
import { toolsOrSkip } from "../require_tools.ts";

/** Debian packages that provide each program the desktop tests run. */
export const PROGRAM_PACKAGES: Readonly<Record<string, string>> = {
  weston: "weston",
  "weston-screenshooter": "weston",
  "weston-simple-shm": "weston",
  waypipe: "waypipe",
  pulseaudio: "pulseaudio",
  pacat: "pulseaudio-utils",
  parec: "pulseaudio-utils",
  pactl: "pulseaudio-utils",
  pipewire: "pipewire-pulse",
  "pipewire-pulse": "pipewire-pulse",
  wireplumber: "wireplumber",
  sway: "sway",
  swaymsg: "sway",
  mutter: "mutter",
  "dbus-run-session": "dbus-daemon",
  "wayland-info": "wayland-utils",
  grim: "grim",
  wtype: "wtype",
  "wl-copy": "wl-clipboard",
  "wl-paste": "wl-clipboard",
  foot: "foot",
};

/**
 * Returns undefined when every program is on PATH, else a line naming the
 * missing ones and the packages to install (for a test's `ignore`).
 */
export async function missingPrograms(
  programs: string[],
): Promise<string | undefined> {
  const path = Deno.env.get("PATH") ?? "";
  const missing: string[] = [];
  for (const program of programs) {
    if (!await findExecutable(program, path)) missing.push(program);
  }
  if (missing.length === 0) return undefined;
  const packages = [
    ...new Set(missing.map((program) => PROGRAM_PACKAGES[program] ?? program)),
  ];
  return `skipped: ${missing.join(", ")} not found; ` +
    `apt install ${packages.join(" ")}`;
}

/**
 * `ignore` for a Deno test that needs `programs`: true, after printing why,
 * when any is missing; under `CI=true` the test file fails instead (see
 * {@linkcode toolsOrSkip}).
 */
export async function skipUnless(programs: string[]): Promise<boolean> {
  return await toolsOrSkip(programs, { packages: PROGRAM_PACKAGES });
}
