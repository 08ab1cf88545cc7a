import { Command } from "@commander-js/extra-typings";
import type { CliContext } from "../context.ts";
import { NotBuiltYetError } from "../errors.ts";

/** `qubesify build [app]`: build what an app needs ahead of time. */
export function buildCommand(_context: CliContext) {
  return new Command("build")
    .description(
      "Build the kernel and the template image an app needs (all apps when none is named).",
    )
    .argument("[app]", "app recipe name")
    .action(() => {
      throw new NotBuiltYetError("build");
    });
}
