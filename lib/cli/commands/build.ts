/**
 * `qubesify build [app]`: the kernel and template images, ahead of time.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import type { CliContext } from "../context.ts";
import { CliError } from "../errors.ts";
import {
  loadCatalog,
  resolveApp,
  shippedRecipeDirectory,
  templateUses,
  userRecipeDirectory,
} from "../../recipe/mod.ts";
import { withInterruption } from "../../exec/mod.ts";
import { buildTemplates } from "../../vm/mod.ts";

/** `qubesify build [app]`: build what apps need ahead of time. */
export function buildCommand(context: CliContext) {
  return new Command("build")
    .description(
      "Build the kernel and the template images apps need (all apps when none is named). " +
        "Up-to-date ones are kept; --fresh rebuilds every image from scratch and " +
        "replaces the current one only after the new one boots a smoke test.",
    )
    .argument("[app]", "app recipe name")
    .option(
      "--fresh",
      "rebuild images from scratch, promoting them after a smoke test",
    )
    .option("--verbose", "show the full make and mmdebstrap output")
    .action(async (appName, { fresh, verbose }) => {
      const paths = context.paths();
      const catalog = await loadCatalog([
        shippedRecipeDirectory(),
        userRecipeDirectory(paths.config),
      ]);
      const apps = appName
        ? [resolveApp(catalog, appName).app]
        : [...catalog.apps.values()];
      const templates = [...new Set(apps.map((app) => app.template))].sort()
        .map((name) => ({
          template: catalog.templates.get(name)!,
          uses: templateUses(catalog, name),
        }));
      const failures = await withInterruption((signal) =>
        buildTemplates({
          templates,
          fresh: fresh ?? false,
          dataDir: paths.data,
          path: Deno.env.get("PATH") ?? "/usr/bin:/bin",
          uid: Deno.uid() ?? 0,
          report: context.err,
          echo: verbose
            ? (bytes) => context.err(new TextDecoder().decode(bytes))
            : undefined,
          announce: (line) => context.out(`${line}\n`),
          signal,
        })
      );
      if (failures.length) throw new CliError(failures.join("\n"));
    });
}
