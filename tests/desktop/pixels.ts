/**
 * Whether a screenshot shows a client's window. The harness's compositor
 * draws nothing but grey (a black background, no panel; see
 * `weston_headless.ts`), while `weston-simple-shm` fills 250 × 250 pixels
 * with saturated colour rings, so "a large block of vivid pixels" cannot
 * hold unless the client's frames reached the compositor.
 *
 * @module
 */
import type { RgbImage } from "./png.ts";

/** Where an image's vivid pixels are. */
export interface VividRegion {
  /** Number of vivid pixels. */
  count: number;
  /** Their bounding box, or undefined when there are none. */
  box?: { left: number; top: number; width: number; height: number };
}

/**
 * Finds pixels whose channels differ by at least `minChroma` (max − min of
 * R, G, B): colour, as opposed to the greys, black and white a bare
 * desktop and window borders are made of.
 */
export function vividRegion(image: RgbImage, minChroma = 64): VividRegion {
  let count = 0;
  let left = Infinity, top = Infinity, right = -1, bottom = -1;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const at = (y * image.width + x) * image.channels;
      const r = image.data[at], g = image.data[at + 1], b = image.data[at + 2];
      if (Math.max(r, g, b) - Math.min(r, g, b) < minChroma) continue;
      count++;
      left = Math.min(left, x);
      right = Math.max(right, x);
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
    }
  }
  return count === 0 ? { count } : {
    count,
    box: { left, top, width: right - left + 1, height: bottom - top + 1 },
  };
}

/** What {@linkcode showsWindow} requires of the vivid block. */
export interface WindowCriterion {
  /** Smallest width and height of the block; default 150 pixels. */
  minSide?: number;
  /** Smallest share of the block's box that is vivid; default 0.5. */
  minFill?: number;
}

/**
 * True when the image holds a block of vivid pixels at least `minSide`
 * wide and high, at least `minFill` of it vivid: a colourful window, not
 * a few stray coloured pixels (a cursor, an icon).
 */
export function showsWindow(
  image: RgbImage,
  criterion: WindowCriterion = {},
): boolean {
  const { count, box } = vividRegion(image);
  if (!box) return false;
  const minSide = criterion.minSide ?? 150;
  return box.width >= minSide && box.height >= minSide &&
    count >= (criterion.minFill ?? 0.5) * box.width * box.height;
}
