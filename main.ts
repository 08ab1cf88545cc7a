/**
 * The `qubesify` command line.
 *
 * @module
 */
import { processContext, runCli } from "./lib/cli/mod.ts";

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args, processContext()));
}
