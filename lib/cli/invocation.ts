/**
 * Which command `qubesify ARGS` will run, and with what options, learnt by
 * the real parser with every action replaced by one that only records:
 * the fence is computed from the same reading of the command line the
 * command itself gets, and nothing runs and nothing prints.
 *
 * @module
 */
import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import type { StatePaths } from "../state/mod.ts";
import type { FenceRequest } from "./fence.ts";
import { buildProgram } from "./program.ts";

/** Paths no command reads while being parsed. */
const NO_PATHS: StatePaths = { config: "", data: "", runtime: "" };

/**
 * The command `args` (without the program name) ask for. `command` is `""`
 * when none would run (help, version, a usage error), and a group's name
 * when it is called without a subcommand: then only the parser's own
 * output follows, which needs nothing.
 *
 * @example
 * ```ts
 * import { parseInvocation } from "./invocation.ts";
 * const request = await parseInvocation(["run", "--no-build", "smoke"]);
 * console.log(request.command, request.options.build); // run false
 * ```
 */
export async function parseInvocation(
  args: readonly string[],
): Promise<FenceRequest> {
  const program = buildProgram({
    out: () => {},
    err: () => {},
    color: false,
    paths: () => NO_PATHS,
  });
  let request: FenceRequest = { command: "", options: {}, operands: [] };
  const record = (command: CommandUnknownOpts) => {
    command.action((...values: unknown[]) => {
      const self = values.at(-1) as CommandUnknownOpts;
      request = {
        command: commandPath(self),
        options: self.opts(),
        operands: [...self.args],
      };
    });
    for (const child of command.commands) record(child);
  };
  for (const child of program.commands) record(child);
  try {
    await program.parseAsync([...args], { from: "user" });
  } catch {
    return { command: "", options: {}, operands: [] };
  }
  return request;
}

/** `relay local` for the `local` command under `relay`. */
function commandPath(command: CommandUnknownOpts): string {
  const names: string[] = [];
  for (
    let current: CommandUnknownOpts | null = command;
    current?.parent;
    current = current.parent
  ) {
    names.unshift(current.name());
  }
  return names.join(" ");
}
