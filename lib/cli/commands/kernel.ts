import { Command } from "@commander-js/extra-typings";
import type { CliContext } from "../context.ts";
import { NotBuiltYetError } from "../errors.ts";

/** `qubesify kernel build|ls`: the micro VM kernel. */
export function kernelCommand(_context: CliContext) {
  const kernel = new Command("kernel")
    .description("Build and list the minimal micro VM kernel.");
  kernel.command("build")
    .description(
      "Build the kernel from tinyconfig plus kernel/*.config; cached by version and config.",
    )
    .option("--source <tarball>", "local kernel source tarball")
    .option("--verbose", "show the full make output")
    .action(() => {
      throw new NotBuiltYetError("kernel build");
    });
  kernel.command("ls")
    .description("List cached kernels with size and inputs.")
    .option("--json", "print JSON instead of a table")
    .action(() => {
      throw new NotBuiltYetError("kernel ls");
    });
  return kernel;
}
