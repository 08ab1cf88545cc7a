import { Command, Option } from "@commander-js/extra-typings";
import type { CliContext } from "../context.ts";
import { NotBuiltYetError } from "../errors.ts";

/** `qubesify run <app> [-- args]`: start an app in a disposable micro VM. */
export function runCommand(_context: CliContext) {
  return new Command("run")
    .description(
      "Start <app> in a new disposable micro VM and wait until it exits; " +
        "the exit status is the app's.",
    )
    .argument("<app>", "app recipe name (see `qubesify recipe ls`)")
    .argument("[args...]", "arguments passed to the app (put them after --)")
    .option("--no-build", "fail instead of building a missing kernel or image")
    .option("--hugepages", "back the template disk with hugetlbfs")
    .addOption(
      new Option("--vsock <mode>", "vsock backend").choices(
        ["auto", "kernel", "user"] as const,
      ).default("auto" as const),
    )
    .addHelpText(
      "after",
      "\nExample:\n  qubesify run firefox -- https://example.org\n",
    )
    .action(() => {
      throw new NotBuiltYetError("run");
    });
}
