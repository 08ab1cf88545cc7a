import { Command } from "@commander-js/extra-typings";
import type { CliContext } from "../context.ts";
import { NotBuiltYetError } from "../errors.ts";

/** `qubesify ls`: list running VMs. */
export function lsCommand(_context: CliContext) {
  return new Command("ls")
    .description("List running VMs: name, app, CID, pid, uptime, memory.")
    .option("--json", "print JSON instead of a table")
    .action(() => {
      throw new NotBuiltYetError("ls");
    });
}
