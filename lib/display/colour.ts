/**
 * Colours as the guard paints them. The palette and the `#rrggbb` rule are
 * the recipe's (lib/recipe/colour.ts, the one source of truth); this file
 * only turns a recipe colour into channels and into the pixel words of
 * wl_shm's ARGB8888 format.
 *
 * @example
 * ```ts
 * import { argb8888, parseColour } from "./colour.ts";
 * argb8888(parseColour("red")).toString(16); // "ffcc0000"
 * ```
 *
 * @module
 */
import { resolveColour } from "../recipe/mod.ts";

/** An sRGB colour, each channel 0 to 255. */
export interface Rgb {
  /** Red. */
  r: number;
  /** Green. */
  g: number;
  /** Blue. */
  b: number;
}

/**
 * A palette name or `#rrggbb` as channels. Recipes are validated before
 * anything paints, so anything else is a caller's mistake: RangeError.
 */
export function parseColour(text: string): Rgb {
  const hex = resolveColour(text);
  if (!hex) {
    throw new RangeError(`expected a palette colour or #rrggbb, got "${text}"`);
  }
  const value = parseInt(hex.slice(1), 16);
  return { r: value >>> 16, g: (value >>> 8) & 0xff, b: value & 0xff };
}

/** Channels as lowercase `#rrggbb`. */
export function colourHex(colour: Rgb): string {
  return `#${
    ((colour.r << 16) | (colour.g << 8) | colour.b).toString(16)
      .padStart(6, "0")
  }`;
}

/**
 * One opaque ARGB8888 pixel as a 32-bit word, 0xAARRGGBB. wl_shm stores it
 * as a little-endian word, so in memory the bytes run B, G, R, A.
 */
export function argb8888(colour: Rgb): number {
  return (0xff000000 | (colour.r << 16) | (colour.g << 8) | colour.b) >>> 0;
}
