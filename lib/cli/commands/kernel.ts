/**
 * `qubesify kernel build|ls`: the micro VM guest kernel.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import type { CliContext } from "../context.ts";
import { createStyle, formatTable } from "../style.ts";
import {
  buildKernel,
  type CachedKernel,
  listKernels,
} from "../../kernel/mod.ts";
import { withInterruption } from "../../exec/mod.ts";

/** `qubesify kernel build|ls`: the micro VM kernel. */
export function kernelCommand(context: CliContext) {
  const kernel = new Command("kernel")
    .description("Build and list the minimal micro VM kernel.");
  kernel.command("build")
    .description(
      "Build the kernel from tinyconfig plus kernel/*.config; cached by version and config.",
    )
    .option("--source <tarball>", "local kernel source tarball")
    .option("--verbose", "show the full make output")
    .action(async (options) => {
      await runBuild(context, options);
    });
  kernel.command("ls")
    .description("List cached kernels with size and inputs.")
    .option("--json", "print JSON instead of a table")
    .action(async (options) => {
      const kernels = await listKernels(context.paths().data);
      context.out(
        options.json ? formatJson(kernels) : formatKernels(kernels, context),
      );
    });
  return kernel;
}

async function runBuild(
  context: CliContext,
  options: { source?: string; verbose?: true },
): Promise<void> {
  const decoder = new TextDecoder();
  const kernel = await withInterruption((signal) =>
    buildKernel({
      dataDir: context.paths().data,
      source: options.source,
      report: context.err,
      echo: options.verbose
        ? (bytes) => context.err(decoder.decode(bytes, { stream: true }))
        : undefined,
      signal,
    })
  );
  const { manifest } = kernel;
  context.err(
    `kernel: ${manifest.version} ${
      kernel.cached ? "already built" : "built"
    }, ${formatSize(manifest.bzImageBytes)}, in ${kernel.dir}\n`,
  );
  context.out(`${kernel.bzImage}\n`);
}

function formatKernels(kernels: CachedKernel[], context: CliContext): string {
  if (kernels.length === 0) {
    return "no kernels built yet (qubesify kernel build)\n";
  }
  const style = createStyle(context.color);
  const header = ["KEY", "VERSION", "SIZE", "SOURCE", "FRAGMENTS", "BUILT"];
  const rows = kernels.map(({ manifest }) => [
    manifest.key,
    manifest.version,
    formatSize(manifest.bzImageBytes),
    `${manifest.source.url ?? manifest.source.tarball} (sha256 ${
      manifest.source.sha256.slice(0, 12)
    })`,
    `${manifest.fragments.files.join(",")} (${
      manifest.fragments.sha256.slice(0, 12)
    })`,
    manifest.builtAt.slice(0, 16).replace("T", " "),
  ]);
  const table = formatTable([header, ...rows]).split("\n");
  return [style.bold(table[0]), ...table.slice(1)].join("\n");
}

function formatJson(kernels: CachedKernel[]): string {
  return JSON.stringify(
    kernels.map(({ dir, bzImage, manifest }) => ({
      dir,
      bzImage,
      ...manifest,
    })),
    null,
    2,
  ) + "\n";
}

function formatSize(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
