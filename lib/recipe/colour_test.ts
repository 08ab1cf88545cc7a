import assert from "node:assert/strict";
import {
  DEFAULT_LABEL_COLOUR,
  LABEL_COLOUR_NAMES,
  LABEL_COLOURS,
  resolveColour,
} from "./colour.ts";

function channels(hex: string): [number, number, number] {
  return [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16)) as [
    number,
    number,
    number,
  ];
}

/** WCAG relative luminance of an sRGB colour. */
function luminance(hex: string): number {
  const [r, g, b] = channels(hex).map((channel) => {
    const c = channel / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

Deno.test("resolveColour: names, hex in either case, nothing else", () => {
  assert.equal(resolveColour("red"), "#cc0000");
  assert.equal(resolveColour("#A0b1C2"), "#a0b1c2");
  for (
    const bad of ["Red", "teal", "#abc", "#abcdefg", "abcdef", "", "toString"]
  ) {
    assert.equal(resolveColour(bad), undefined, bad);
  }
});

Deno.test("palette: red is the default and reads as red on light and dark", () => {
  assert.equal(DEFAULT_LABEL_COLOUR, LABEL_COLOURS.red);
  const [r, g, b] = channels(LABEL_COLOURS.red);
  assert.ok(r >= 0xc0 && g < 0x30 && b < 0x30, "a saturated red");
  assert.ok(contrast(LABEL_COLOURS.red, "#ffffff") >= 4.5, "on white");
  assert.ok(contrast(LABEL_COLOURS.red, "#1e1e1e") >= 2.5, "on dark grey");
});

Deno.test("palette: every colour is its own, lowercase #rrggbb", () => {
  assert.deepEqual(LABEL_COLOUR_NAMES, [
    "red",
    "orange",
    "yellow",
    "green",
    "grey",
    "blue",
    "purple",
    "black",
  ]);
  for (const name of LABEL_COLOUR_NAMES) {
    assert.match(LABEL_COLOURS[name], /^#[0-9a-f]{6}$/);
  }
  // Far apart in RGB: no two names that a glance could confuse.
  for (const [i, a] of LABEL_COLOUR_NAMES.entries()) {
    for (const b of LABEL_COLOUR_NAMES.slice(i + 1)) {
      const [ra, ga, ba] = channels(LABEL_COLOURS[a]);
      const [rb, gb, bb] = channels(LABEL_COLOURS[b]);
      const distance = Math.hypot(ra - rb, ga - gb, ba - bb);
      assert.ok(distance >= 80, `${a} and ${b} are ${distance} apart`);
    }
  }
});
