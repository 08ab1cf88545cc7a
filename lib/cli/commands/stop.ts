import { Command } from "@commander-js/extra-typings";
import type { CliContext } from "../context.ts";
import { NotBuiltYetError } from "../errors.ts";

/** `qubesify stop <vm>`: shut a VM down. */
export function stopCommand(_context: CliContext) {
  return new Command("stop")
    .description(
      "Shut down a running VM gracefully (ACPI/QMP), killing it after a timeout.",
    )
    .argument("<vm>", "VM name as shown by `qubesify ls`")
    .action(() => {
      throw new NotBuiltYetError("stop");
    });
}
