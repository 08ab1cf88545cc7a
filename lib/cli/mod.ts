/**
 * The `qubesify` command line: the commander tree, each command a thin
 * shell over one function of the layers below, the context (stdio, paths)
 * it runs against, injectable for tests, and {@linkcode runFenced}, which
 * runs a command in a Worker fenced to what it needs.
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
export { runFenced } from "./fenced.ts";
