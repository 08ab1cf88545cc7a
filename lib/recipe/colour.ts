/**
 * Label colours: the named palette a recipe may pick from, and `#rrggbb`.
 * The display guard paints each VM window's frame in its recipe's colour.
 * The palette lives here, in the foundation, so that recipes validate
 * colour names without importing the display layer; lib/display reads it
 * from here (one source of truth) and adds only what painting needs.
 *
 * @example
 * ```ts
 * import { resolveColour } from "./colour.ts";
 * resolveColour("blue"); // "#3584e4"
 * resolveColour("#AABBCC"); // "#aabbcc"
 * resolveColour("teal"); // undefined
 * ```
 *
 * @module
 */
import { z } from "zod";

/**
 * The named colours, as sRGB hex. Chosen to stay distinguishable from one
 * another and visible on white and on dark desktops alike: red is the
 * Qubes OS red (#cc0000), a pure red of 5.9:1 contrast on white and 2.8:1
 * on #1e1e1e; green, blue and purple are mid-tones (GNOME's blue and
 * purple, Tango's darker green) rather than pastels that vanish on white.
 * Yellow and black cannot read well on both; they are there because
 * people ask for them by name.
 */
export const LABEL_COLOURS = {
  red: "#cc0000",
  orange: "#f57900",
  yellow: "#edd400",
  green: "#4e9a06",
  grey: "#888a85",
  blue: "#3584e4",
  purple: "#9141ac",
  black: "#000000",
} as const;

/** A palette name: `red`, `orange`, … */
export type LabelColourName = keyof typeof LABEL_COLOURS;

/** The palette's names, in the order people read them in errors. */
export const LABEL_COLOUR_NAMES: readonly LabelColourName[] = Object.keys(
  LABEL_COLOURS,
) as LabelColourName[];

/** The colour of a recipe that names none: red, like an untrusted window. */
export const DEFAULT_LABEL_COLOUR: string = LABEL_COLOURS.red;

const HEX_PATTERN = /^#[0-9a-fA-F]{6}$/;

/**
 * A palette name or `#rrggbb` (either case) as lowercase `#rrggbb`;
 * undefined for anything else.
 */
export function resolveColour(text: string): string | undefined {
  if (Object.hasOwn(LABEL_COLOURS, text)) {
    return LABEL_COLOURS[text as LabelColourName];
  }
  return HEX_PATTERN.test(text) ? text.toLowerCase() : undefined;
}

const COLOUR_EXPECTED = `expected ${LABEL_COLOUR_NAMES.join(", ")} or #rrggbb`;

/** A recipe's `colour:`, normalized to lowercase `#rrggbb`. */
export const colourSchema = z.string({
  error: (issue) =>
    issue.input === null
      // `colour: #cc0000` unquoted is a YAML comment: the value is empty.
      ? `${COLOUR_EXPECTED}; quote hex colours ("#cc0000"): YAML reads an unquoted # as a comment`
      : COLOUR_EXPECTED,
}).refine((text) => resolveColour(text) !== undefined, {
  error: COLOUR_EXPECTED,
}).transform((text) => resolveColour(text) as string);
