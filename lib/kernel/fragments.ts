/**
 * The config fragments in `kernel/`: what we add on top of `tinyconfig`.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ConfigEntry, formatEntry, parseConfig } from "./config_lines.ts";
import { QubesifyError } from "../errors/mod.ts";

/** The `kernel/` folder shipped with qubesify (included by `deno compile`). */
export const DEFAULT_KERNEL_DIR: string = fileURLToPath(
  new URL("../../kernel/", import.meta.url),
);

/** One fragment file's text. */
export interface FragmentFile {
  /** File name, for messages and the manifest. */
  name: string;
  /** File contents. */
  text: string;
}

/** All fragments of a kernel folder, combined. */
export interface Fragments {
  /** The file names, in merge order. */
  files: string[];
  /** Every required option, once each, in merge order. */
  entries: ConfigEntry[];
  /** Hash of the option values only, so editing a comment does not rebuild. */
  sha256: string;
}

/** Two fragments ask for different values of the same option. */
export class FragmentConflictError extends QubesifyError {
  /** Creates the error naming both places. */
  constructor(name: string, first: string, second: string) {
    super(`${name} is set differently in ${first} and ${second}`);
  }
}

/**
 * Combines fragment files (in the given order) into one list of required
 * options. The same option with the same value twice is fine; different
 * values are an error, because "required" would be ambiguous.
 */
export function combineFragments(files: readonly FragmentFile[]): Fragments {
  const seen = new Map<string, { entry: ConfigEntry; where: string }>();
  for (const file of files) {
    for (const entry of parseConfig(file.text, file.name)) {
      const where = `${file.name}:${entry.line}`;
      const previous = seen.get(entry.name);
      if (previous && previous.entry.value !== entry.value) {
        throw new FragmentConflictError(entry.name, previous.where, where);
      }
      if (!previous) seen.set(entry.name, { entry, where });
    }
  }
  const entries = [...seen.values()].map(({ entry }) => entry);
  return {
    files: files.map((file) => file.name),
    entries,
    sha256: fragmentDigest(entries),
  };
}

/** Hash of the options' names and values, independent of comments and order. */
export function fragmentDigest(entries: readonly ConfigEntry[]): string {
  const lines = entries.map(formatEntry).sort();
  return createHash("sha256").update(lines.join("\n")).digest("hex");
}

/** Reads every `*.config` file of `dir`, sorted by name, and combines them. */
export async function readFragments(dir: string): Promise<Fragments> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".config")) names.push(entry.name);
  }
  if (names.length === 0) {
    throw new Error(`no *.config fragment in ${dir}`);
  }
  names.sort();
  const files = await Promise.all(
    names.map(async (name) => ({
      name,
      text: await Deno.readTextFile(join(dir, name)),
    })),
  );
  return combineFragments(files);
}
