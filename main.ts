/**
 * The `qubesify` command line.
 *
 * @module
 */
import { runCli } from "./lib/cli/program.ts";
import { processContext } from "./lib/cli/context.ts";

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args, processContext()));
}
