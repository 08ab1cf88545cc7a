import { Command, InvalidArgumentError } from "@commander-js/extra-typings";
import type { CliContext } from "../context.ts";
import { CliError } from "../errors.ts";
import { formatTable } from "../style.ts";
import { withInterruption } from "../../exec/mod.ts";
import {
  buildImage,
  listImages,
  removeImage,
  selectForRemoval,
  type StoredImage,
} from "../../image/mod.ts";
import {
  loadCatalog,
  shippedRecipeDirectory,
  templateUses,
  userRecipeDirectory,
} from "../../recipe/mod.ts";
import { readLiveVmRecords } from "../../state/mod.ts";

/** `qubesify image build|ls|gc`: read-only Debian template images. */
export function imageCommand(context: CliContext) {
  const image = new Command("image")
    .description("Build and manage read-only Debian template images.");
  image.command("build")
    .description(
      "Build a template image from scratch with mmdebstrap and make it current.",
    )
    .argument("<template>", "template recipe name (see `qubesify recipe ls`)")
    .option("--verbose", "show the full mmdebstrap output")
    .action(async (name, { verbose }) => {
      const catalog = await loadCatalog([
        shippedRecipeDirectory(),
        userRecipeDirectory(context.paths().config),
      ]);
      const template = catalog.templates.get(name);
      if (!template) {
        const known = [...catalog.templates.keys()].sort().join(", ");
        throw new CliError(
          `no template named "${name}" (known: ${known})`,
        );
      }
      const built = await withInterruption((signal) =>
        buildImage({
          dataDir: context.paths().data,
          template,
          uses: templateUses(catalog, name),
          report: context.err,
          echo: verbose
            ? (bytes) => context.err(new TextDecoder().decode(bytes))
            : undefined,
          signal,
          uid: Deno.uid() ?? 0,
          path: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        })
      );
      context.out(`${built.path}\n`);
    });
  image.command("ls")
    .description(
      "List built images: template, version, size, which is current.",
    )
    .option("--json", "print JSON instead of a table")
    .action(async ({ json }) => {
      const images = await listImages(context.paths().data);
      if (json) {
        context.out(`${JSON.stringify(images.map(summarize), null, 2)}\n`);
        return;
      }
      context.out(formatTable([
        ["TEMPLATE", "VERSION", "SIZE", "BUILT", "CURRENT"],
        ...images.map((i) => [
          i.manifest.template,
          i.manifest.version,
          `${(i.manifest.sizeBytes / 2 ** 20).toFixed(0)}M`,
          i.manifest.builtAt.replace(/\.\d+Z$/, "Z"),
          i.current ? "*" : "",
        ]),
      ]));
    });
  image.command("gc")
    .description(
      "Delete old images, keeping the newest per template, the current one and any in use.",
    )
    .option("--keep <n>", "images to keep per template", parseKeep, 2)
    .action(async ({ keep }) => {
      const paths = context.paths();
      const images = await listImages(paths.data);
      const inUse = new Set(
        (await readLiveVmRecords(paths.runtime)).map((vm) => vm.image),
      );
      const doomed = selectForRemoval({
        images: images.map((image) => ({ ...image, ...image.manifest })),
        keep,
        inUse,
      });
      for (const image of doomed) {
        await removeImage(image.path);
        context.out(`removed ${image.path}\n`);
      }
      const kept = images.length - doomed.length;
      context.out(`${doomed.length} removed, ${kept} kept\n`);
    });
  return image;
}

function parseKeep(value: string): number {
  const keep = Number(value);
  if (!Number.isInteger(keep) || keep < 0) {
    throw new InvalidArgumentError("expected a whole number, 0 or more");
  }
  return keep;
}

function summarize(image: StoredImage) {
  const { packages, ...manifest } = image.manifest;
  return {
    path: image.path,
    current: image.current,
    ...manifest,
    packageCount: packages.length,
    log: image.path.replace(/\.img$/, ".log"),
  };
}
