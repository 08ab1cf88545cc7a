import { Command } from "@commander-js/extra-typings";
import { dirname } from "node:path";
import type { CliContext } from "../context.ts";
import type { StatePaths } from "../../state/mod.ts";
import { CliError } from "../errors.ts";
import { selfCommand } from "../../exec/mod.ts";
import {
  applicationsDir,
  installDesktopEntry,
  uninstallDesktopEntry,
} from "../../desktop/mod.ts";
import {
  loadCatalog,
  resolveApp,
  shippedRecipeDirectory,
  userRecipeDirectory,
} from "../../recipe/mod.ts";

/** `qubesify desktop install|uninstall <app>`: app menu entries. */
export function desktopCommand(context: CliContext) {
  const desktop = new Command("desktop")
    .description(
      "Add or remove app menu entries that start an app in a disposable VM.",
    );
  desktop.command("install")
    .description("Write a freedesktop .desktop entry for <app>.")
    .argument("<app>", "app recipe name")
    .action(async (name) => {
      const paths = context.paths();
      const catalog = await loadCatalog([
        shippedRecipeDirectory(),
        userRecipeDirectory(paths.config),
      ]);
      const { label } = resolveApp(catalog, name).app;
      const path = await installDesktopEntry({
        dir: desktopEntriesDir(paths),
        entry: { app: name, label, qubesify: selfCommand() },
      });
      context.out(`${path}\n`);
    });
  desktop.command("uninstall")
    .description("Remove the .desktop entry for <app>.")
    .argument("<app>", "app recipe name")
    .action(async (name) => {
      if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) {
        throw new CliError(
          `"${name}" is not an app name`,
          2,
        );
      }
      const removed = await uninstallDesktopEntry({
        dir: desktopEntriesDir(context.paths()),
        app: name,
      });
      context.out(
        removed ? `removed the entry for ${name}\n` : `no entry for ${name}\n`,
      );
    });
  return desktop;
}

/** Desktop entries live beside qubesify's own data folder. */
export function desktopEntriesDir(paths: StatePaths): string {
  return applicationsDir(dirname(paths.data));
}
