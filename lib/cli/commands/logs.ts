import { Command } from "@commander-js/extra-typings";
import { join } from "node:path";
import type { CliContext } from "../context.ts";
import { CliError } from "../errors.ts";
import { createSanitizer } from "../../vm/mod.ts";

/** How often `logs -f` looks for new console output. */
const FOLLOW_INTERVAL_MS = 250;

/** `qubesify logs <vm>`: show a VM's serial console log. */
export function logsCommand(context: CliContext) {
  return new Command("logs")
    .description(
      "Print a running VM's serial console (kernel and init messages).",
    )
    .argument("<vm>", "VM name as shown by `qubesify ls`")
    .option("-f, --follow", "keep printing new output until the VM ends")
    .action(async (name, { follow }) => {
      if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) {
        throw new CliError(
          `"${name}" is not a VM name (see qubesify ls)`,
          2,
        );
      }
      const log = join(context.paths().runtime, name, "serial.log");
      let file: Deno.FsFile;
      try {
        file = await Deno.open(log);
      } catch {
        throw new CliError(
          `no running VM named "${name}" (see qubesify ls)`,
        );
      }
      const sanitize = createSanitizer();
      const buffer = new Uint8Array(64 * 1024);
      try {
        while (true) {
          const read = await file.read(buffer);
          if (read) {
            context.out(sanitize(buffer.subarray(0, read)));
            continue;
          }
          // At the end: done, unless following a VM that still runs.
          if (!follow || !await Deno.stat(log).then(() => true, () => false)) {
            break;
          }
          await new Promise((resolve) =>
            setTimeout(resolve, FOLLOW_INTERVAL_MS)
          );
        }
      } finally {
        file.close();
      }
    });
}
