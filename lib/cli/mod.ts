/**
 * The `qubesify` command line: the commander tree, each command a thin
 * shell over one function of the layers below, and the context (stdio,
 * paths) it runs against, injectable for tests.
 *
 * @example
 * ```ts
 * import { processContext, runCli } from "./mod.ts";
 * Deno.exit(await runCli(["recipe", "ls"], processContext()));
 * ```
 *
 * @module
 */
export { type CliContext, processContext } from "./context.ts";
export { CliError, ExitCode } from "./errors.ts";
export { buildProgram, runCli, VERSION } from "./program.ts";
