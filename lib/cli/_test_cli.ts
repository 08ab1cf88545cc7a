/**
 * Test support: the CLI run in-process against a captured context.
 *
 * @module
 */
import type { StatePaths } from "../state/mod.ts";
import type { CliContext } from "./context.ts";
import { runCli } from "./program.ts";

/** What a CLI run printed and how it ended. */
export interface Captured {
  /** Exit code. */
  code: number;
  /** Everything written to stdout. */
  out: string;
  /** Everything written to stderr. */
  err: string;
}

/** State folders that do not exist, unless a test names its own. */
export const NO_STATE: StatePaths = {
  config: "/nonexistent/config",
  data: "/nonexistent/data",
  runtime: "/nonexistent/runtime",
};

/** Runs `qubesify <args>` in this process and captures what it printed. */
export async function cli(
  args: string[],
  options: { color?: boolean; paths?: Partial<StatePaths> } = {},
): Promise<Captured> {
  let out = "";
  let err = "";
  const context: CliContext = {
    out: (text) => out += text,
    err: (text) => err += text,
    color: options.color ?? false,
    paths: () => ({ ...NO_STATE, ...options.paths }),
  };
  const code = await runCli(args, context);
  return { code, out, err };
}
