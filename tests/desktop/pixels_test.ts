import assert from "node:assert/strict";
import { showsWindow, vividRegion } from "./pixels.ts";
import type { RgbImage } from "./png.ts";

function image(
  width: number,
  height: number,
  paint: (x: number, y: number) => [number, number, number],
): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data.set(paint(x, y), (y * width + x) * 3);
    }
  }
  return { width, height, channels: 3, data };
}

const inside = (
  x: number,
  y: number,
  left: number,
  top: number,
  side: number,
) => x >= left && x < left + side && y >= top && y < top + side;

Deno.test("vividRegion counts coloured pixels, not greys", () => {
  const shot = image(
    40,
    30,
    (x, y) =>
      inside(x, y, 5, 7, 10)
        ? [200, 30, 30]
        : x === 0
        ? [255, 255, 255]
        : [90, 90, 100],
  );
  assert.deepEqual(vividRegion(shot), {
    count: 100,
    box: { left: 5, top: 7, width: 10, height: 10 },
  });
  assert.deepEqual(vividRegion(image(4, 4, () => [40, 40, 40])), { count: 0 });
});

Deno.test("showsWindow needs a large, mostly vivid block", () => {
  const window = image(
    320,
    240,
    (x, y) => inside(x, y, 20, 20, 200) ? [(x * 7) & 255, 40, 200] : [0, 0, 0],
  );
  assert.equal(showsWindow(window), true);
  const small = image(
    320,
    240,
    (x, y) => inside(x, y, 20, 20, 100) ? [0, 200, 0] : [0, 0, 0],
  );
  assert.equal(showsWindow(small), false);
  assert.equal(showsWindow(small, { minSide: 100 }), true);
  // Two coloured specks far apart span a big box but fill none of it.
  const specks = image(
    320,
    240,
    (x, y) =>
      (x === 1 && y === 1) || (x === 300 && y === 200)
        ? [255, 0, 0]
        : [0, 0, 0],
  );
  assert.equal(showsWindow(specks), false);
  assert.equal(showsWindow(image(8, 8, () => [0, 0, 0])), false);
});
