/**
 * The `qubesify` command line: each command runs in a Worker fenced to
 * what that command needs (see lib/cli/fence.ts).
 *
 * @module
 */
import { runFenced } from "./lib/cli/mod.ts";

if (import.meta.main) {
  Deno.exit(await runFenced(Deno.args));
}
