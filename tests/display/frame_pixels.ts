/**
 * Finding the guard's frame in a screenshot: four strips of one colour,
 * {@linkcode FRAME_BAND} pixels wide, just outside a window's rectangle.
 * The compositors draw shm buffers with pixman, so the frame's pixels are
 * the recipe's colour exactly (weston fades a new window in: poll until
 * they are).
 *
 * @module
 */
import type { Rgb } from "../../lib/display/mod.ts";
import type { RgbImage } from "../desktop/mod.ts";

/** The frame's width in pixels, as the guard draws it at scale 1. */
export const FRAME_BAND = 4;

/** A rectangle in screen pixels. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The share of each side's band that has the frame's colour. */
export interface FrameCoverage {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

/** Whether the pixel at (`x`, `y`) is `colour`. */
export function isColour(
  image: RgbImage,
  x: number,
  y: number,
  colour: Rgb,
): boolean {
  const at = (y * image.width + x) * image.channels;
  return image.data[at] === colour.r && image.data[at + 1] === colour.g &&
    image.data[at + 2] === colour.b;
}

/** The share of `rect`'s pixels (those on the image) that are `colour`. */
export function colourShare(image: RgbImage, rect: Rect, colour: Rgb): number {
  let inside = 0;
  let matching = 0;
  for (let y = Math.max(0, rect.y); y < rect.y + rect.height; y++) {
    if (y >= image.height) break;
    for (let x = Math.max(0, rect.x); x < rect.x + rect.width; x++) {
      if (x >= image.width) break;
      inside++;
      if (isColour(image, x, y, colour)) matching++;
    }
  }
  return inside === 0 ? 0 : matching / inside;
}

/** The bounding box of the pixels of `colour`, if there are any. */
export function colourBox(image: RgbImage, colour: Rgb): Rect | undefined {
  let left = Infinity, top = Infinity, right = -1, bottom = -1;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if (!isColour(image, x, y, colour)) continue;
      left = Math.min(left, x);
      right = Math.max(right, x);
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
    }
  }
  return right < 0
    ? undefined
    : { x: left, y: top, width: right - left + 1, height: bottom - top + 1 };
}

/** The four bands just outside `window`, clockwise from the top. */
export function frameBands(window: Rect, band = FRAME_BAND): Rect[] {
  const { x, y, width, height } = window;
  return [
    { x: x - band, y: y - band, width: width + 2 * band, height: band },
    { x: x + width, y, width: band, height },
    { x: x - band, y: y + height, width: width + 2 * band, height: band },
    { x: x - band, y, width: band, height },
  ];
}

/** How much of each band around `window` has the frame's colour. */
export function frameCoverage(
  image: RgbImage,
  window: Rect,
  colour: Rgb,
): FrameCoverage {
  const [top, right, bottom, left] = frameBands(window).map((band) =>
    colourShare(image, band, colour)
  );
  return { top, right, bottom, left };
}

/** Whether every side's band is wholly the frame's colour. */
export function framed(coverage: FrameCoverage): boolean {
  return Object.values(coverage).every((share) => share === 1);
}

/**
 * The window a frame of `colour` surrounds in `image`: the inside of the
 * colour's bounding box, when all four bands around it are the colour.
 */
export function framedWindow(image: RgbImage, colour: Rgb): Rect | undefined {
  const box = colourBox(image, colour);
  if (!box) return undefined;
  const window = {
    x: box.x + FRAME_BAND,
    y: box.y + FRAME_BAND,
    width: box.width - 2 * FRAME_BAND,
    height: box.height - 2 * FRAME_BAND,
  };
  return window.width > 0 && window.height > 0 &&
      framed(frameCoverage(image, window, colour))
    ? window
    : undefined;
}
