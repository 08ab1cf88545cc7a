import { Command } from "@commander-js/extra-typings";
import type { CliContext } from "../context.ts";
import { NotBuiltYetError } from "../errors.ts";

/** `qubesify logs <vm>`: show a VM's serial console log. */
export function logsCommand(_context: CliContext) {
  return new Command("logs")
    .description("Print a running VM's serial console log.")
    .argument("<vm>", "VM name as shown by `qubesify ls`")
    .option("-f, --follow", "keep printing new output until the VM exits")
    .action(() => {
      throw new NotBuiltYetError("logs");
    });
}
