/**
 * Merging a fragment into a base `.config`, the way the kernel's
 * `scripts/kconfig/merge_config.sh` does before `make olddefconfig`.
 *
 * @module
 */
import { type ConfigEntry, formatEntry } from "./config_lines.ts";

const OPTION_IN_LINE = /^(?:# )?(CONFIG_[A-Za-z0-9_]+)[= ]/;

/**
 * Returns `base` with every option that `fragment` sets replaced by the
 * fragment's value. Replaced lines are dropped and the fragment is appended,
 * so `make olddefconfig` sees exactly one assignment per option.
 */
export function mergeConfig(
  base: string,
  fragment: readonly ConfigEntry[],
): string {
  const overridden = new Set(fragment.map((entry) => entry.name));
  const kept = base.split("\n").filter((line) => {
    const option = OPTION_IN_LINE.exec(line.trim());
    return !option || !overridden.has(option[1]);
  });
  while (kept.length > 0 && kept[kept.length - 1] === "") kept.pop();
  const latest = new Map(fragment.map((entry) => [entry.name, entry]));
  return [
    ...kept,
    "",
    "# qubesify fragment",
    ...[...latest.values()].map(formatEntry),
    "",
  ].join("\n");
}
