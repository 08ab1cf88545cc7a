/**
 * Sway commands for the guard's tests, run through sway's IPC socket with
 * `swaymsg`: a floating window keeps the guard's frame on the screen,
 * where a tiled one that fills the output would push it off.
 *
 * @module
 */
import { capture } from "../../lib/exec/mod.ts";
import type { SwayHeadless } from "../desktop/mod.ts";

/** Runs a sway command; throws when sway refuses it. */
export async function swayCommand(
  sway: Pick<SwayHeadless, "ipcSocket">,
  command: string,
): Promise<void> {
  const result = await capture({
    program: "swaymsg",
    args: ["--socket", sway.ipcSocket, command],
    timeoutMs: 5_000,
  });
  if (result.code !== 0) {
    throw new Error(
      `swaymsg ${command} exited with ${result.code}: ${result.stdout}${result.stderr}`,
    );
  }
}

/** Makes every window sway maps from now on float, at its own size. */
export async function floatNewWindows(
  sway: Pick<SwayHeadless, "ipcSocket">,
): Promise<void> {
  await swayCommand(sway, 'for_window [shell="xdg_shell"] floating enable');
}
