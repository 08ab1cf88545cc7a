import assert from "node:assert/strict";
import { fakeImage } from "./_test_images.ts";
import {
  currentVersion,
  findCurrentImage,
  imageVersion,
  listImages,
  removeImage,
  setCurrent,
  templateImagesDir,
} from "./store.ts";

Deno.test("versions sort by build time and carry the input hash", () => {
  assert.equal(
    imageVersion(new Date("2026-11-24T05:54:06.172Z"), "72fa978e8350ca41"),
    "20261124T055406Z-72fa978e8350",
  );
});

Deno.test("listing, current pointer and removal", async () => {
  const data = await Deno.makeTempDir();
  try {
    await fakeImage(data, "smoke", "20261101T000000Z-aaaaaaaaaaaa");
    const newer = await fakeImage(
      data,
      "smoke",
      "20261124T000000Z-bbbbbbbbbbbb",
    );
    await fakeImage(data, "desktop", "20261120T000000Z-cccccccccccc");
    const dir = templateImagesDir(data, "smoke");
    assert.equal(await currentVersion(dir), undefined);
    await setCurrent(dir, "20261124T000000Z-bbbbbbbbbbbb");
    assert.equal((await findCurrentImage(data, "smoke"))?.path, newer);
    const listed = await listImages(data);
    assert.deepEqual(
      listed.map((i) =>
        `${i.manifest.template} ${i.manifest.version} ${i.current}`
      ),
      [
        "desktop 20261120T000000Z-cccccccccccc false",
        "smoke 20261124T000000Z-bbbbbbbbbbbb true",
        "smoke 20261101T000000Z-aaaaaaaaaaaa false",
      ],
    );
    await removeImage(newer);
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
        n.startsWith("2026112")
      ),
      [],
    );
    // A dangling current pointer means no current image.
    assert.equal(await findCurrentImage(data, "smoke"), undefined);
  } finally {
    await Deno.remove(data, { recursive: true });
  }
});
