import { Command } from "@commander-js/extra-typings";
import type { CliContext } from "../context.ts";
import { CliError } from "../errors.ts";
import { buildKernel, KernelBuildError } from "../../kernel/mod.ts";
import {
  buildImage,
  ensureImage,
  ImageBuildError,
  removeImage,
  setCurrent,
  templateImagesDir,
} from "../../image/mod.ts";
import {
  type AppRecipe,
  loadCatalog,
  resolveApp,
  shippedRecipeDirectory,
  templateUses,
  userRecipeDirectory,
} from "../../recipe/mod.ts";
import { findExecutable, withInterruption } from "../../exec/mod.ts";
import { chooseAccel, smokeTest } from "../../vm/mod.ts";

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
      let apps: AppRecipe[];
      try {
        apps = appName
          ? [resolveApp(catalog, appName).app]
          : [...catalog.apps.values()];
      } catch (error) {
        throw new CliError(`qubesify build: ${(error as Error).message}`);
      }
      const templates = [...new Set(apps.map((app) => app.template))].sort()
        .map((name) => catalog.templates.get(name)!);
      const path = Deno.env.get("PATH") ?? "/usr/bin:/bin";
      const echo = verbose
        ? (bytes: Uint8Array) => context.err(new TextDecoder().decode(bytes))
        : undefined;
      const failures: string[] = [];
      await withInterruption(async (signal) => {
        const kernel = await buildKernel({
          dataDir: paths.data,
          report: context.err,
          echo,
          signal,
        }).catch(rethrowAsCliError);
        context.out(`kernel: ${kernel.bzImage}\n`);
        const qemu = fresh
          ? await findExecutable("qemu-system-x86_64", path)
          : undefined;
        if (fresh && !qemu) {
          throw new CliError(
            "qubesify build: --fresh needs qemu-system-x86_64 for the smoke test",
          );
        }
        const accel = qemu ? await chooseAccel({ qemu }) : undefined;
        if (accel?.warning) context.err(`warning: ${accel.warning}\n`);
        for (const template of templates) {
          const options = {
            dataDir: paths.data,
            template,
            uses: templateUses(catalog, template.name),
            report: context.err,
            echo,
            signal,
            uid: Deno.uid() ?? 0,
            path,
          };
          if (!fresh) {
            const { image, built } = await ensureImage(options).catch(
              rethrowAsCliError,
            );
            context.out(
              `image ${template.name}: ${image.path} (${
                built ? "built" : "up to date"
              })\n`,
            );
            continue;
          }
          const image = await buildImage({ ...options, makeCurrent: false })
            .catch(rethrowAsCliError);
          context.err(`image ${template.name}: smoke test…\n`);
          const problem = await smokeTest({
            qemu: qemu!,
            kernel: kernel.bzImage,
            image: image.path,
            accel: accel!.accel,
          });
          if (problem) {
            await removeImage(image.path);
            failures.push(
              `image ${template.name}: the new image failed its smoke test (${problem}); the previous one stays current`,
            );
            continue;
          }
          await setCurrent(
            templateImagesDir(paths.data, template.name),
            image.manifest.version,
          );
          context.out(
            `image ${template.name}: ${image.path} (built, smoke test passed)\n`,
          );
        }
      });
      if (failures.length) throw new CliError(failures.join("\n"));
    });
}

function rethrowAsCliError(error: unknown): never {
  if (error instanceof ImageBuildError || error instanceof KernelBuildError) {
    throw new CliError(`qubesify build: ${error.message}`);
  }
  throw error;
}
