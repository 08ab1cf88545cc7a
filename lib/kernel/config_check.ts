/**
 * Checking that the options a fragment requires survived `make olddefconfig`,
 * which silently drops any option whose dependencies are not met.
 *
 * @module
 */
import type { ConfigEntry } from "./config_lines.ts";

/** A required option whose final value differs from the wanted one. */
export interface UnmetOption {
  /** The option name. */
  name: string;
  /** The value the fragment asks for (`n` means "is not set"). */
  wanted: string;
  /** The value in the final `.config`; `undefined` when it is not there at all. */
  got: string | undefined;
}

/**
 * Returns the required options that did not stick, in fragment order. An
 * option missing from the final config counts as `n`, as Kconfig treats it.
 */
export function unmetOptions(
  required: readonly ConfigEntry[],
  final: ReadonlyMap<string, string>,
): UnmetOption[] {
  const wanted = new Map(required.map((entry) => [entry.name, entry.value]));
  const unmet: UnmetOption[] = [];
  for (const [name, value] of wanted) {
    const got = final.get(name);
    if ((got ?? "n") !== value) unmet.push({ name, wanted: value, got });
  }
  return unmet;
}

/** One line per unmet option: `CONFIG_X: wanted y, got n`. */
export function formatUnmet(unmet: readonly UnmetOption[]): string[] {
  return unmet.map(({ name, wanted, got }) =>
    `${name}: wanted ${wanted}, got ${
      got ?? "absent (unknown option or unmet dependencies)"
    }`
  );
}
