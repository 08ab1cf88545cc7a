/**
 * `qubesify run <app> [-- args]`: parse, launch, pass the app's status on.
 *
 * @module
 */
import { Command, Option } from "@commander-js/extra-typings";
import type { CliContext } from "../context.ts";
import { CliError } from "../errors.ts";
import { withInterruption } from "../../exec/mod.ts";
import {
  loadCatalog,
  resolveApp,
  shippedRecipeDirectory,
  templateUses,
  userRecipeDirectory,
} from "../../recipe/mod.ts";
import { createSanitizer, describeFailure, launchApp } from "../../vm/mod.ts";

/** `qubesify run <app> [-- args]`: start an app in a disposable micro VM. */
export function runCommand(context: CliContext) {
  return new Command("run")
    .description(
      "Start <app> in a new disposable micro VM and wait until it exits; " +
        "the exit status is the app's. Ctrl-C stops the app, then the VM.",
    )
    .argument("<app>", "app recipe name (see `qubesify recipe ls`)")
    .argument("[args...]", "arguments passed to the app (put them after --)")
    .option("--no-build", "fail instead of building a missing kernel or image")
    .option("--hugepages", "back the template disk with hugetlbfs")
    .addOption(
      new Option("--vsock <mode>", "vsock backend").choices(
        ["auto", "kernel", "user"] as const,
      ).default("auto" as const),
    )
    .addHelpText(
      "after",
      "\nExamples:\n  qubesify run smoke -- 3\n  qubesify run firefox -- https://example.org\n",
    )
    .action(async (appName, args, options) => {
      const paths = context.paths();
      const catalog = await loadCatalog([
        shippedRecipeDirectory(),
        userRecipeDirectory(paths.config),
      ]);
      const { app, template } = resolveApp(catalog, appName);
      const sanitize = createSanitizer();
      const result = await withInterruption((signal) =>
        launchApp({
          app,
          template,
          uses: templateUses(catalog, template.name),
          args,
          build: options.build,
          vsock: options.vsock,
          hugepages: options.hugepages ?? false,
          paths,
          env: {
            PATH: Deno.env.get("PATH"),
            WAYLAND_DISPLAY: Deno.env.get("WAYLAND_DISPLAY"),
            XDG_RUNTIME_DIR: Deno.env.get("XDG_RUNTIME_DIR"),
            PULSE_SERVER: Deno.env.get("PULSE_SERVER"),
          },
          user: { uid: Deno.uid() ?? 0, gid: Deno.gid() ?? 0 },
          report: context.err,
          warn: (line) => context.err(`warning: ${line}\n`),
          onAppOutput: (bytes) => context.out(sanitize(bytes)),
          signal,
        })
      );
      if (result.report.kind !== "exit") {
        throw new CliError(describeFailure(result));
      }
      // An empty message passes the app's status through.
      if (result.report.status !== 0) {
        throw new CliError("", result.report.status);
      }
    });
}
