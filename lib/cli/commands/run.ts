import { Command, Option } from "@commander-js/extra-typings";
import type { CliContext } from "../context.ts";
import { CliError } from "../errors.ts";
import { withInterruption } from "../interruption.ts";
import {
  type AppRecipe,
  loadCatalog,
  resolveApp,
  shippedRecipeDirectory,
  type TemplateRecipe,
  templateUses,
  userRecipeDirectory,
} from "../../recipe/mod.ts";
import {
  buildKernel,
  KernelBuildError,
  listKernels,
} from "../../kernel/mod.ts";
import {
  ensureImage,
  findCurrentImage,
  ImageBuildError,
} from "../../image/mod.ts";
import { findExecutable } from "../../exec/which.ts";
import { chooseAccel } from "../../vm/accel.ts";
import { runApp } from "../../vm/run_app.ts";
import { createSanitizer } from "../../vm/sanitize.ts";

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
      let resolved: { app: AppRecipe; template: TemplateRecipe };
      try {
        resolved = resolveApp(catalog, appName);
      } catch (error) {
        throw new CliError(`qubesify run: ${(error as Error).message}`, 2);
      }
      const { app, template } = resolved;
      refuseWhatIsNotBuiltYet(app, options);
      const path = Deno.env.get("PATH") ?? "/usr/bin:/bin";
      const qemu = await findExecutable("qemu-system-x86_64", path);
      if (!qemu) {
        throw new CliError(
          "qubesify run: qemu-system-x86_64 not found; run `qubesify doctor` for the install line",
        );
      }
      const exitStatus = await withInterruption(async (signal) => {
        const kernel = options.build
          ? (await buildKernel({
            dataDir: paths.data,
            report: context.err,
            signal,
          })
            .catch(asCliError)).bzImage
          : (await listKernels(paths.data))
            .sort((a, b) =>
              b.manifest.builtAt.localeCompare(a.manifest.builtAt)
            )[0]?.bzImage;
        const image = options.build
          ? (await ensureImage({
            dataDir: paths.data,
            template,
            uses: templateUses(catalog, template.name),
            report: context.err,
            signal,
            uid: Deno.uid() ?? 0,
            path,
          }).catch(asCliError)).image.path
          : (await findCurrentImage(paths.data, template.name))?.path;
        if (!kernel || !image) {
          throw new CliError(
            `qubesify run: no ${
              kernel ? `image of template ${template.name}` : "kernel"
            } ` +
              `is built and --no-build was given; run \`qubesify build ${app.name}\` first`,
          );
        }
        const accel = await chooseAccel({ qemu });
        if (accel.warning) context.err(`warning: ${accel.warning}\n`);
        const sanitize = createSanitizer();
        const result = await runApp({
          app,
          args,
          qemu,
          kernel,
          image,
          accel: accel.accel,
          runtimeDir: paths.runtime,
          signal,
          onAppOutput: (bytes) => context.out(sanitize(bytes)),
        });
        if (result.report.kind === "exit") return result.report.status;
        const why = result.report.kind === "fail"
          ? `the guest could not start the app: ${result.report.reason}`
          : `the VM ended without reporting (${
            result.qemuStderr || "see the console below"
          })`;
        const tail = createSanitizer()(
          new TextEncoder().encode(result.serialTail),
        );
        throw new CliError(
          `qubesify run: ${result.name}: ${why}\n--- console ---\n${tail}`,
        );
      });
      if (exitStatus !== 0) throw new CliError("", exitStatus);
    });
}

/** Features of later milestones fail clearly instead of half-working. */
function refuseWhatIsNotBuiltYet(
  app: AppRecipe,
  options: { hugepages?: boolean; vsock: string },
): void {
  const missing = (what: string) =>
    new CliError(
      `qubesify run: ${what} is not available in this version of qubesify yet`,
    );
  if (app.display === "wayland") {
    throw missing(
      `${app.name} shows windows (display: wayland); the display transport`,
    );
  }
  if (app.audio !== "none") {
    throw missing(`${app.name} plays sound (audio: ${app.audio}); audio`);
  }
  if (app.network.mode === "tap" || app.network.mode === "proxy") {
    throw missing(`network: ${app.network.mode}`);
  }
  if (app.persist !== "none") throw missing(`persist: ${app.persist}`);
  if (options.hugepages) throw missing("--hugepages");
  if (options.vsock !== "auto") throw missing(`--vsock ${options.vsock}`);
}

function asCliError(error: unknown): never {
  if (error instanceof ImageBuildError || error instanceof KernelBuildError) {
    throw new CliError(`qubesify run: ${error.message}`);
  }
  throw error;
}
