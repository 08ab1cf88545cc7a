import { Command } from "@commander-js/extra-typings";
import type { CliContext } from "../context.ts";
import { CliError, ExitCode } from "../errors.ts";
import { errorMessage } from "../../errors/mod.ts";
import { createStyle } from "../style.ts";
import { type DoctorReport, processHost, runDoctor } from "../../doctor/mod.ts";
import {
  loadCatalog,
  resolveApp,
  shippedRecipeDirectory,
  userRecipeDirectory,
} from "../../recipe/mod.ts";

/** The app whose needs decide what `doctor` requires by default. */
export const DEFAULT_APP = "firefox";

/** `qubesify doctor [app]`: check the host's prerequisites. */
export function doctorCommand(context: CliContext) {
  return new Command("doctor")
    .description(
      "Check everything qubesify needs on this host and print the fix for each gap; " +
        "exit 1 when something the app needs is missing.",
    )
    .argument("[app]", "app whose needs count as required", DEFAULT_APP)
    .option("--json", "print JSON instead of text")
    .action(async (appName, { json }) => {
      const catalog = await loadCatalog([
        shippedRecipeDirectory(),
        userRecipeDirectory(context.paths().config),
      ]);
      let app;
      try {
        app = resolveApp(catalog, appName).app;
      } catch (error) {
        throw new CliError(errorMessage(error), ExitCode.usage);
      }
      const report = await runDoctor({ host: processHost(), app });
      context.out(
        json
          ? `${JSON.stringify(report, null, 2)}\n`
          : formatReport(report, context.color),
      );
      if (!report.ok) {
        throw new CliError(
          `${appName} cannot run until the failed checks are fixed`,
        );
      }
    });
}

/** Formats a report for people: one line per check, fixes indented below. */
export function formatReport(report: DoctorReport, color: boolean): string {
  const style = createStyle(color);
  const label = {
    ok: style.ok("ok  "),
    warn: style.warn("warn"),
    fail: style.fail("FAIL"),
  };
  const width = Math.max(...report.checks.map((check) => check.title.length));
  const lines: string[] = [];
  for (const check of report.checks) {
    lines.push(
      `${label[check.status]}  ${check.title.padEnd(width)}  ${check.detail}`,
    );
    if (check.status !== "ok" && check.fix) {
      lines.push(style.dim(`      Fedora Silverblue: ${check.fix.fedora}`));
      lines.push(style.dim(`      Debian:            ${check.fix.debian}`));
    }
  }
  const failed =
    report.checks.filter((check) => check.status === "fail").length;
  lines.push(
    failed
      ? style.fail(`${failed} required check(s) failed for ${report.app}`)
      : style.ok(`everything ${report.app} needs is here`),
  );
  return `${lines.join("\n")}\n`;
}
