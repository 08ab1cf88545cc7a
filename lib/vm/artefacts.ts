/**
 * What a VM boots from: the kernel and its template's image. `run` builds
 * them when missing or outdated (or, with `--no-build`, takes what was
 * built last); `build` builds them ahead of time for many apps, and with
 * `--fresh` promotes a new image only after it boots a smoke test.
 *
 * @module
 */
import { buildKernel, listKernels } from "../kernel/mod.ts";
import {
  buildImage,
  ensureImage,
  findCurrentImage,
  removeImage,
  setCurrent,
  templateImagesDir,
} from "../image/mod.ts";
import type { TemplateRecipe, TemplateUses } from "../recipe/mod.ts";
import { requireExecutable } from "../exec/mod.ts";
import { QubesifyError } from "../errors/mod.ts";
import { chooseAccel } from "./accel.ts";
import { smokeTest } from "./smoke_boot.ts";

/** The files a VM boots from. */
export interface Artefacts {
  /** bzImage. */
  kernel: string;
  /** The template's image. */
  image: string;
}

/** `--no-build` and nothing was built. */
export class ArtefactMissingError extends QubesifyError {}

/** Options every build step takes. */
export interface BuildSteps {
  /** The data folder (kernels and images live there). */
  dataDir: string;
  /** PATH searched for the build tools. */
  path: string;
  /** The user's uid: root builds images directly, others unshared. */
  uid: number;
  /** Progress lines for a person (stderr). */
  report: (line: string) => void;
  /** The raw output of make and mmdebstrap as well (`--verbose`). */
  echo?: (bytes: Uint8Array) => void;
  /** Cancels a build; nothing half-built is kept. */
  signal?: AbortSignal;
}

/** What {@linkcode resolveArtefacts} needs. */
export interface ResolveArtefactsOptions extends BuildSteps {
  /** The app's template. */
  template: TemplateRecipe;
  /** What the template's apps need in the guest (waypipe, pulse). */
  uses: TemplateUses;
  /** Build what is missing or outdated; false: whatever was built last. */
  build: boolean;
}

/**
 * The kernel and the template's image: built when missing or outdated, or
 * without `build`, the newest kernel and the template's current image.
 */
export async function resolveArtefacts(
  options: ResolveArtefactsOptions,
): Promise<Artefacts> {
  const { dataDir, template } = options;
  if (options.build) {
    const kernel = await buildKernel(options);
    const { image } = await ensureImage(options);
    return { kernel: kernel.bzImage, image: image.path };
  }
  // listKernels sorts newest first.
  const kernel = (await listKernels(dataDir))[0]?.bzImage;
  const image = (await findCurrentImage(dataDir, template.name))?.path;
  if (!kernel || !image) {
    throw new ArtefactMissingError(
      `no ${kernel ? `image of template ${template.name}` : "kernel"} ` +
        "is built and --no-build was given; run `qubesify build` first",
    );
  }
  return { kernel, image };
}

/** What {@linkcode buildTemplates} needs. */
export interface BuildTemplatesOptions extends BuildSteps {
  /** The templates to build, each with what its apps need. */
  templates: readonly { template: TemplateRecipe; uses: TemplateUses }[];
  /**
   * Rebuild every image from scratch; each replaces the current one only
   * after it boots a smoke test.
   */
  fresh: boolean;
  /** One line per result for stdout (`kernel: …`, `image x: …`). */
  announce: (line: string) => void;
}

/**
 * Builds the kernel and the templates' images. Resolves with one line per
 * image that failed its smoke test (the previous image stays current);
 * build errors throw.
 */
export async function buildTemplates(
  options: BuildTemplatesOptions,
): Promise<string[]> {
  // Before hours of building: the smoke test needs QEMU.
  const smoke = options.fresh ? await smokeTester(options) : undefined;
  const kernel = await buildKernel(options);
  options.announce(`kernel: ${kernel.bzImage}`);
  const failures: string[] = [];
  for (const { template, uses } of options.templates) {
    const steps = { ...options, template, uses };
    if (!smoke) {
      const { image, built } = await ensureImage(steps);
      options.announce(
        `image ${template.name}: ${image.path} (${
          built ? "built" : "up to date"
        })`,
      );
      continue;
    }
    const image = await buildImage({ ...steps, makeCurrent: false });
    options.report(`image ${template.name}: smoke test…\n`);
    const problem = await smoke(kernel.bzImage, image.path);
    if (problem) {
      await removeImage(image.path);
      failures.push(
        `image ${template.name}: the new image failed its smoke test (${problem}); the previous one stays current`,
      );
      continue;
    }
    await setCurrent(
      templateImagesDir(options.dataDir, template.name),
      image.manifest.version,
    );
    options.announce(
      `image ${template.name}: ${image.path} (built, smoke test passed)`,
    );
  }
  return failures;
}

/** Boots a new image once; resolves why it failed, or undefined. */
async function smokeTester(options: BuildTemplatesOptions) {
  const qemu = await requireExecutable("qemu-system-x86_64", {
    path: options.path,
    neededBy: "the smoke test of --fresh",
  });
  const accel = await chooseAccel({ qemu });
  if (accel.warning) options.report(`warning: ${accel.warning}\n`);
  return (kernel: string, image: string) =>
    smokeTest({ qemu, kernel, image, accel: accel.accel });
}
