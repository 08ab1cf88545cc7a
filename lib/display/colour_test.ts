import assert from "node:assert/strict";
import { LABEL_COLOUR_NAMES, LABEL_COLOURS } from "../recipe/mod.ts";
import { argb8888, colourHex, parseColour } from "./colour.ts";

Deno.test("parseColour reads palette names and #rrggbb", () => {
  assert.deepEqual(parseColour("red"), { r: 0xcc, g: 0, b: 0 });
  assert.deepEqual(parseColour("#0A1b2C"), { r: 0x0a, g: 0x1b, b: 0x2c });
  for (const name of LABEL_COLOUR_NAMES) {
    assert.equal(colourHex(parseColour(name)), LABEL_COLOURS[name]);
  }
  assert.equal(colourHex({ r: 0, g: 0, b: 1 }), "#000001");
  for (const bad of ["crimson", "#12345", "", "#gggggg"]) {
    assert.throws(() => parseColour(bad), RangeError, bad);
  }
});

Deno.test("argb8888 is an opaque 0xAARRGGBB word, B G R A in memory", () => {
  const word = argb8888(parseColour("#123456"));
  assert.equal(word, 0xff123456);
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, word, true);
  assert.deepEqual([...bytes], [0x56, 0x34, 0x12, 0xff]);
  assert.equal(argb8888(parseColour("black")), 0xff000000);
});
