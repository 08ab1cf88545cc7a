import { Command } from "@commander-js/extra-typings";
import type { CliContext } from "../context.ts";
import { NotBuiltYetError } from "../errors.ts";

/** `qubesify recipe`. */
export function recipeCommand(_context: CliContext) {
  return new Command("recipe").action(() => {
    throw new NotBuiltYetError("recipe");
  });
}
