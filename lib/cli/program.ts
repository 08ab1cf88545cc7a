/**
 * The qubesify command tree and the function that runs it.
 *
 * @module
 */
import {
  Command,
  CommanderError,
  type CommandUnknownOpts,
} from "@commander-js/extra-typings";
import type { CliContext } from "./context.ts";
import { CliError, ExitCode } from "./errors.ts";
import { runCommand } from "./commands/run.ts";
import { lsCommand } from "./commands/ls.ts";
import { stopCommand } from "./commands/stop.ts";
import { logsCommand } from "./commands/logs.ts";
import { buildCommand } from "./commands/build.ts";
import { kernelCommand } from "./commands/kernel.ts";
import { imageCommand } from "./commands/image.ts";
import { recipeCommand } from "./commands/recipe.ts";
import { doctorCommand } from "./commands/doctor.ts";
import { proxyCommand } from "./commands/proxy.ts";
import { relayCommand } from "./commands/relay.ts";
import { scheduleCommand } from "./commands/schedule.ts";
import { desktopCommand } from "./commands/desktop.ts";
import { netCommand } from "./commands/net.ts";

/** The version printed by `qubesify --version`. */
export const VERSION = "0.1.0";

/** Builds the full command tree writing through `context`. */
export function buildProgram(context: CliContext): Command {
  const program = new Command("qubesify")
    .description(
      "Run desktop applications in disposable QEMU micro VMs, shown on your Wayland desktop.",
    )
    .version(VERSION)
    // `proxy log --vm X`: options after a subcommand are its own.
    .enablePositionalOptions();
  const children: CommandUnknownOpts[] = [
    runCommand(context),
    lsCommand(context),
    stopCommand(context),
    logsCommand(context),
    buildCommand(context),
    kernelCommand(context),
    imageCommand(context),
    recipeCommand(context),
    doctorCommand(context),
    proxyCommand(context),
    relayCommand(context),
    scheduleCommand(context),
    desktopCommand(context),
    netCommand(context),
  ];
  for (const child of children) program.addCommand(child);
  configureTree(program, context);
  return program;
}

/**
 * Commands made with `new Command` do not inherit their parent's settings,
 * so every command in the tree gets them here: errors are thrown instead of
 * exiting the process, and all output goes through the context.
 */
function configureTree(command: CommandUnknownOpts, context: CliContext): void {
  command
    .exitOverride()
    .showHelpAfterError("(add --help for usage)")
    .configureOutput({ writeOut: context.out, writeErr: context.err });
  for (const child of command.commands) configureTree(child, context);
}

/**
 * Runs the CLI on `args` (without the program name) and returns the exit
 * code: 0 ok, 1 runtime failure, 2 usage error.
 */
export async function runCli(
  args: string[],
  context: CliContext,
): Promise<number> {
  const program = buildProgram(context);
  try {
    await program.parseAsync(args, { from: "user" });
    return ExitCode.ok;
  } catch (error) {
    return exitCodeFor(error, context);
  }
}

const HELP_CODES = new Set([
  "commander.helpDisplayed",
  "commander.version",
]);

function exitCodeFor(error: unknown, context: CliContext): number {
  if (error instanceof CommanderError) {
    if (HELP_CODES.has(error.code)) return ExitCode.ok;
    // A group command called without a subcommand prints its help and fails.
    return ExitCode.usage;
  }
  if (error instanceof CliError) {
    // An empty message passes an exit status through (the app's, for `run`).
    if (error.message) context.err(`${error.message}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  context.err(`qubesify: ${message}\n`);
  return ExitCode.failure;
}
