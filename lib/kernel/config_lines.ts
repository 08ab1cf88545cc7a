/**
 * The line format shared by kernel `.config` files and our config fragments:
 * `CONFIG_X=value` and `# CONFIG_X is not set`, with blank and comment lines.
 *
 * @module
 */
import { QubesifyError } from "../errors/mod.ts";

/** One option assignment, as written in a `.config` or fragment. */
export interface ConfigEntry {
  /** The full option name, `CONFIG_` prefix included. */
  name: string;
  /** `y`, `m`, `n` (written `# CONFIG_X is not set`), a number or a quoted string. */
  value: string;
  /** 1-based line number, so errors can point at the source. */
  line: number;
}

/** A line that is neither an assignment, a "not set" marker nor a comment. */
export class ConfigSyntaxError extends QubesifyError {
  /** 1-based line number of the offending line. */
  readonly line: number;
  /** Creates the error for `text` found on `line` of `file`. */
  constructor(file: string, line: number, text: string) {
    super(
      `${file}:${line}: expected CONFIG_NAME=value or "# CONFIG_NAME is not set", got ${
        JSON.stringify(text)
      }`,
    );
    this.line = line;
  }
}

const ASSIGNMENT = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/;
const NOT_SET = /^# (CONFIG_[A-Za-z0-9_]+) is not set$/;

/**
 * Parses config text into its assignments, in file order. `file` only names
 * the input in error messages.
 */
export function parseConfig(text: string, file = "config"): ConfigEntry[] {
  const entries: ConfigEntry[] = [];
  text.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    const notSet = NOT_SET.exec(line);
    if (notSet) {
      entries.push({ name: notSet[1], value: "n", line: index + 1 });
      return;
    }
    if (line === "" || line.startsWith("#")) return;
    const assignment = ASSIGNMENT.exec(line);
    if (!assignment || assignment[2] === "") {
      throw new ConfigSyntaxError(file, index + 1, raw);
    }
    entries.push({
      name: assignment[1],
      value: assignment[2],
      line: index + 1,
    });
  });
  return entries;
}

/** The effective value of every option: the last assignment wins, as in Kconfig. */
export function configValues(
  entries: readonly ConfigEntry[],
): Map<string, string> {
  return new Map(entries.map((entry) => [entry.name, entry.value]));
}

/** Writes one assignment back in `.config` syntax. */
export function formatEntry(
  entry: Pick<ConfigEntry, "name" | "value">,
): string {
  return entry.value === "n"
    ? `# ${entry.name} is not set`
    : `${entry.name}=${entry.value}`;
}
