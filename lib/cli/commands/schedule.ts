import { Command } from "@commander-js/extra-typings";
import { dirname, join } from "node:path";
import type { CliContext } from "../context.ts";
import type { StatePaths } from "../../state/mod.ts";
import { selfCommand } from "../../exec/mod.ts";
import {
  disableSchedule,
  enableSchedule,
  type ScheduleHost,
  scheduleStatus,
} from "../../schedule/mod.ts";

/** `qubesify schedule enable|disable|status`: periodic rebuilds from scratch. */
export function scheduleCommand(context: CliContext) {
  const schedule = new Command("schedule")
    .description(
      "Rebuild the kernel and all templates from scratch on a systemd user timer; " +
        "a new version replaces the old one only after it boots a smoke test.",
    );
  schedule.command("enable")
    .description("Install and start the rebuild timer.")
    .option("--every <calendar>", "systemd OnCalendar expression", "weekly")
    .action(async ({ every }) => {
      await enableSchedule(host(context), {
        command: [...selfCommand(), "build", "--fresh"],
        calendar: every,
      });
      context.out(`rebuilds scheduled: ${every}\n`);
    });
  schedule.command("disable")
    .description("Stop and remove the rebuild timer.")
    .action(async () => {
      const was = await disableSchedule(host(context));
      context.out(
        was ? "rebuild timer removed\n" : "no rebuild timer was installed\n",
      );
    });
  schedule.command("status")
    .description("Show the timer, its next run and the last rebuild's result.")
    .option("--json", "print JSON instead of text")
    .action(async ({ json }) => {
      const status = await scheduleStatus(host(context));
      if (json) {
        context.out(`${JSON.stringify(status, null, 2)}\n`);
      } else if (!status.installed) {
        context.out("not enabled (qubesify schedule enable)\n");
      } else {
        const p = status.properties;
        context.out(
          `timer: ${p.ActiveState ?? "unknown"}, next run ${
            p.NextElapseUSecRealtime || "n/a"
          }\n` +
            `last rebuild: ${p.Result ?? "never"} (status ${
              p.ExecMainStatus ?? "n/a"
            }) ${p.ExecMainExitTimestamp ?? ""}\n`,
        );
      }
    });
  return schedule;
}

/** systemd user units live beside qubesify's own config folder. */
export function scheduleUnitDir(paths: StatePaths): string {
  return join(dirname(paths.config), "systemd", "user");
}

function host(context: CliContext): ScheduleHost {
  return {
    unitDir: scheduleUnitDir(context.paths()),
    path: Deno.env.get("PATH") ?? "/usr/bin:/bin",
  };
}
