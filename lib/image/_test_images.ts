/**
 * Test support: image files and manifests laid out as a build leaves them.
 *
 * @module
 */
import { join } from "node:path";
import { type ImageManifest, templateImagesDir } from "./store.ts";

/** Writes an image file and its manifest the way a build leaves them. */
export async function fakeImage(
  dataDir: string,
  template: string,
  version: string,
): Promise<string> {
  const dir = templateImagesDir(dataDir, template);
  await Deno.mkdir(dir, { recursive: true });
  const manifest: ImageManifest = {
    template,
    version,
    inputHash: version.split("-")[1],
    inputs: {
      suite: "trixie",
      mirror: "m",
      packages: [],
      guestPackages: [],
      files: [],
      mode: "root",
    },
    packages: [{ name: "bash", version: "5" }],
    sizeBytes: 4,
    sha256: "x",
    builtAt: "2026-11-24T00:00:00.000Z",
    buildSeconds: 1,
  };
  await Deno.writeTextFile(
    join(dir, `${version}.json`),
    JSON.stringify(manifest),
  );
  await Deno.writeTextFile(join(dir, `${version}.log`), "log");
  await Deno.writeTextFile(join(dir, `${version}.img`), "disk");
  return join(dir, `${version}.img`);
}
