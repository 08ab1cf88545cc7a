import assert from "node:assert/strict";
import type { RgbImage } from "../desktop/mod.ts";
import {
  colourBox,
  colourShare,
  frameCoverage,
  framedWindow,
  type Rect,
} from "./frame_pixels.ts";

const GREEN = { r: 0, g: 255, b: 0 };
const BLUE = { r: 0, g: 0, b: 255 };

/** A 40 × 30 grey image with `rects` painted in order. */
function image(rects: [Rect, { r: number; g: number; b: number }][]): RgbImage {
  const width = 40, height = 30;
  const data = new Uint8Array(width * height * 3).fill(63);
  for (const [rect, colour] of rects) {
    for (let y = rect.y; y < rect.y + rect.height; y++) {
      for (let x = rect.x; x < rect.x + rect.width; x++) {
        data.set([colour.r, colour.g, colour.b], (y * width + x) * 3);
      }
    }
  }
  return { width, height, channels: 3, data };
}

const WINDOW = { x: 10, y: 8, width: 20, height: 12 };
const FRAME = { x: 6, y: 4, width: 28, height: 20 };

Deno.test("frame pixels: a whole frame is found around its window", () => {
  const shot = image([[FRAME, GREEN], [WINDOW, BLUE]]);
  assert.deepEqual(colourBox(shot, GREEN), FRAME);
  assert.deepEqual(frameCoverage(shot, WINDOW, GREEN), {
    top: 1,
    right: 1,
    bottom: 1,
    left: 1,
  });
  assert.deepEqual(framedWindow(shot, GREEN), WINDOW);
  assert.equal(colourShare(shot, WINDOW, BLUE), 1);
});

Deno.test("frame pixels: a frame missing a side is no frame", () => {
  const shot = image([
    [FRAME, GREEN],
    [WINDOW, BLUE],
    [{ x: 30, y: 8, width: 4, height: 12 }, BLUE],
  ]);
  assert.equal(frameCoverage(shot, WINDOW, GREEN).right, 0);
  assert.equal(framedWindow(shot, GREEN), undefined);
});

Deno.test("frame pixels: a filled block has its bands (its inside tells), nothing has none", () => {
  const filled = image([[FRAME, GREEN]]);
  assert.deepEqual(framedWindow(filled, GREEN), WINDOW);
  assert.equal(colourShare(filled, WINDOW, GREEN), 1);
  assert.equal(framedWindow(image([]), GREEN), undefined);
  assert.equal(colourBox(image([]), GREEN), undefined);
});

Deno.test("frame pixels: bands off the image count only what is on it", () => {
  const corner = { x: 0, y: 0, width: 10, height: 10 };
  const shot = image([[{ x: 0, y: 0, width: 14, height: 14 }, GREEN], [
    corner,
    BLUE,
  ]]);
  assert.deepEqual(frameCoverage(shot, corner, GREEN), {
    top: 0,
    right: 1,
    bottom: 1,
    left: 0,
  });
});
