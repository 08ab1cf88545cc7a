import { Command } from "@commander-js/extra-typings";
import type { CliContext } from "../context.ts";
import { NotBuiltYetError } from "../errors.ts";

/** `qubesify doctor`. */
export function doctorCommand(_context: CliContext) {
  return new Command("doctor").action(() => {
    throw new NotBuiltYetError("doctor");
  });
}
