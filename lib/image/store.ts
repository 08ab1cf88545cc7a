/**
 * Where built images live: `<data>/images/<template>/<version>.img`, each
 * with a JSON manifest beside it and a `current` symlink per template.
 *
 * @module
 */
import { basename, join } from "node:path";
import type { InstalledPackage } from "./dpkg_status.ts";

/** Everything recorded about one built image. */
export interface ImageManifest {
  /** Template name. */
  template: string;
  /** `<date>-<hash>`: the file name without `.img`. */
  version: string;
  /** sha256 of the inputs; equal inputs give equal hashes. */
  inputHash: string;
  /** What went into the build. */
  inputs: {
    suite: string;
    mirror: string;
    packages: string[];
    guestPackages: string[];
    files: string[];
    mode: string;
  };
  /** Every installed package with its version. */
  packages: InstalledPackage[];
  /** Image size in bytes. */
  sizeBytes: number;
  /** sha256 of the image file. */
  sha256: string;
  /** When the build finished (ISO 8601). */
  builtAt: string;
  /** How long the build took. */
  buildSeconds: number;
}

/** A built image found on disk. */
export interface StoredImage {
  /** Path of the `.img` file. */
  path: string;
  /** Whether the template's `current` symlink points at it. */
  current: boolean;
  /** Its manifest. */
  manifest: ImageManifest;
}

/** The folder holding every template's images. */
export function imagesDir(dataDir: string): string {
  return join(dataDir, "images");
}

/** The folder holding one template's images. */
export function templateImagesDir(dataDir: string, template: string): string {
  return join(imagesDir(dataDir), template);
}

/** An image version: UTC build time in ISO basic form, then the input hash. */
export function imageVersion(builtAt: Date, inputHash: string): string {
  const stamp = builtAt.toISOString().replace(/[-:]/g, "").replace(
    /\.\d+Z$/,
    "Z",
  );
  return `${stamp}-${inputHash.slice(0, 12)}`;
}

/** Points the template's `current` symlink at `version`, atomically. */
export async function setCurrent(dir: string, version: string): Promise<void> {
  const temporary = join(dir, `.current-${crypto.randomUUID()}`);
  await Deno.symlink(`${version}.img`, temporary);
  await Deno.rename(temporary, join(dir, "current"));
}

/** The version `current` points at, if any. */
export async function currentVersion(dir: string): Promise<string | undefined> {
  try {
    return basename(await Deno.readLink(join(dir, "current")), ".img");
  } catch {
    return undefined;
  }
}

/** Lists the images of all templates (or one), newest first per template. */
export async function listImages(
  dataDir: string,
  template?: string,
): Promise<StoredImage[]> {
  const templates = template
    ? [template]
    : await subdirectories(imagesDir(dataDir));
  const images: StoredImage[] = [];
  for (const name of templates.sort()) {
    const dir = templateImagesDir(dataDir, name);
    const current = await currentVersion(dir);
    const found: StoredImage[] = [];
    for await (const entry of readDirIfExists(dir)) {
      if (!entry.isFile || !entry.name.endsWith(".json")) continue;
      const manifest = JSON.parse(
        await Deno.readTextFile(join(dir, entry.name)),
      ) as ImageManifest;
      const path = join(dir, `${manifest.version}.img`);
      if (!await exists(path)) continue;
      found.push({ path, current: manifest.version === current, manifest });
    }
    found.sort((a, b) => b.manifest.version.localeCompare(a.manifest.version));
    images.push(...found);
  }
  return images;
}

/** The template's current image, if one was built. */
export async function findCurrentImage(
  dataDir: string,
  template: string,
): Promise<StoredImage | undefined> {
  return (await listImages(dataDir, template)).find((image) => image.current);
}

async function subdirectories(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of readDirIfExists(dir)) {
    if (entry.isDirectory) names.push(entry.name);
  }
  return names;
}

async function* readDirIfExists(dir: string): AsyncIterable<Deno.DirEntry> {
  try {
    yield* Deno.readDir(dir);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Deletes an image with its manifest and log. */
export async function removeImage(path: string): Promise<void> {
  await Deno.remove(path);
  const base = path.replace(/\.img$/, "");
  for (const suffix of [".json", ".log"]) {
    await Deno.remove(`${base}${suffix}`).catch(() => {});
  }
}
