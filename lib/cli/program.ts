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
import { ExitCode } from "./errors.ts";
import { errorMessage, QubesifyError } from "../errors/mod.ts";
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
  // Errors are reported under the command that ran: `qubesify relay host: …`.
  let running = "qubesify";
  program.hook("preAction", (_, action) => {
    running = commandPath(action);
  });
  try {
    await program.parseAsync(args, { from: "user" });
    return ExitCode.ok;
  } catch (error) {
    return exitCodeFor(error, running, context);
  }
}

/** `qubesify relay host` for the `host` command under `relay`. */
function commandPath(command: CommandUnknownOpts): string {
  const names: string[] = [];
  for (
    let current: CommandUnknownOpts | null = command;
    current;
    current = current.parent
  ) {
    names.unshift(current.name());
  }
  return names.join(" ");
}

const HELP_CODES = new Set([
  "commander.helpDisplayed",
  "commander.version",
]);

function exitCodeFor(
  error: unknown,
  command: string,
  context: CliContext,
): number {
  if (error instanceof CommanderError) {
    if (HELP_CODES.has(error.code)) return ExitCode.ok;
    // A group command called without a subcommand prints its help and fails.
    return ExitCode.usage;
  }
  const message = errorMessage(error);
  // An empty message passes an exit status through (the app's, for `run`).
  if (message) context.err(`${command}: ${message}\n`);
  if (error instanceof QubesifyError) {
    for (const line of error.details) context.err(`  ${line}\n`);
  }
  return error instanceof QubesifyError ? error.exitCode : ExitCode.failure;
}
