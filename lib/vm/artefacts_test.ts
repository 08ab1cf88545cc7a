import assert from "node:assert/strict";
import { join } from "node:path";
import { fakeImage } from "../image/_test_images.ts";
import { setCurrent, templateImagesDir } from "../image/mod.ts";
import { kernelsDir } from "../kernel/mod.ts";
import type { TemplateRecipe } from "../recipe/mod.ts";
import { ArtefactMissingError, resolveArtefacts } from "./artefacts.ts";

/** A kernel laid out as a build leaves it, built at `builtAt`. */
async function fakeKernel(dataDir: string, key: string, builtAt: string) {
  const dir = join(kernelsDir(dataDir), key);
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, "bzImage"), "kernel");
  await Deno.writeTextFile(
    join(dir, "manifest.json"),
    JSON.stringify({ key, version: "6.1", builtAt }),
  );
  return join(dir, "bzImage");
}

const template = { name: "smoke" } as TemplateRecipe;
const noBuild = {
  template,
  uses: { display: false, audio: false },
  build: false,
  path: "/nonexistent",
  uid: 0,
  report: () => {},
};

Deno.test("resolveArtefacts --no-build: the newest kernel and the template's current image", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    await fakeKernel(dataDir, "old", "2026-11-01T00:00:00.000Z");
    const newest = await fakeKernel(dataDir, "new", "2026-11-20T00:00:00.000Z");
    const current = await fakeImage(dataDir, "smoke", "20261101T000000Z-aaaa");
    await fakeImage(dataDir, "smoke", "20261120T000000Z-bbbb");
    await setCurrent(
      templateImagesDir(dataDir, "smoke"),
      "20261101T000000Z-aaaa",
    );
    assert.deepEqual(await resolveArtefacts({ ...noBuild, dataDir }), {
      kernel: newest,
      image: current,
    });
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("resolveArtefacts --no-build: says which is missing and what to run", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      resolveArtefacts({ ...noBuild, dataDir }),
      (error: Error) =>
        error instanceof ArtefactMissingError &&
        error.message ===
          "no kernel is built and --no-build was given; run `qubesify build` first",
    );
    await fakeKernel(dataDir, "k", "2026-11-01T00:00:00.000Z");
    await assert.rejects(
      resolveArtefacts({ ...noBuild, dataDir }),
      /no image of template smoke is built/,
    );
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
