/**
 * Writing and removing desktop entries in the user's applications folder.
 *
 * @module
 */
import { join } from "node:path";
import {
  type DesktopEntry,
  desktopFileName,
  renderDesktopEntry,
} from "./entry.ts";

/** `$XDG_DATA_HOME/applications`, derived from qubesify's data folder's parent. */
export function applicationsDir(xdgDataHome: string): string {
  return join(xdgDataHome, "applications");
}

/** Writes the entry; returns its path. */
export async function installDesktopEntry(
  options: { dir: string; entry: DesktopEntry },
): Promise<string> {
  await Deno.mkdir(options.dir, { recursive: true });
  const path = join(options.dir, desktopFileName(options.entry.app));
  await Deno.writeTextFile(path, renderDesktopEntry(options.entry));
  return path;
}

/** Removes the entry; resolves false when there was none. */
export async function uninstallDesktopEntry(
  options: { dir: string; app: string },
): Promise<boolean> {
  try {
    await Deno.remove(join(options.dir, desktopFileName(options.app)));
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
