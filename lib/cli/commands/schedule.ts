import { Command } from "@commander-js/extra-typings";
import type { CliContext } from "../context.ts";
import { NotBuiltYetError } from "../errors.ts";

/** `qubesify schedule enable|disable|status`: periodic rebuilds from scratch. */
export function scheduleCommand(_context: CliContext) {
  const schedule = new Command("schedule")
    .description(
      "Rebuild the kernel and all templates from scratch on a systemd user timer.",
    );
  schedule.command("enable")
    .description("Install and start the rebuild timer.")
    .option("--every <calendar>", "systemd OnCalendar expression", "weekly")
    .action(() => {
      throw new NotBuiltYetError("schedule enable");
    });
  schedule.command("disable")
    .description("Stop and remove the rebuild timer.")
    .action(() => {
      throw new NotBuiltYetError("schedule disable");
    });
  schedule.command("status")
    .description("Show the timer, its last run and the next one.")
    .action(() => {
      throw new NotBuiltYetError("schedule status");
    });
  return schedule;
}
