import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import { crc32, decodePng, PngError } from "./png.ts";
import { concatBytes } from "../../lib/io/mod.ts";

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function header(
  width: number,
  height: number,
  fields: { depth?: number; colourType?: number; interlace?: number } = {},
): Uint8Array {
  const data = new Uint8Array(13);
  const view = new DataView(data.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  data.set([
    fields.depth ?? 8,
    fields.colourType ?? 2,
    0,
    0,
    fields.interlace ?? 0,
  ], 8);
  return data;
}

/** The forward filter: what an encoder stores for `filter`. */
function filterRow(
  filter: number,
  row: Uint8Array,
  previous: Uint8Array | undefined,
  bpp: number,
): Uint8Array {
  return row.map((value, i) => {
    const a = i >= bpp ? row[i - bpp] : 0;
    const b = previous ? previous[i] : 0;
    const c = previous && i >= bpp ? previous[i - bpp] : 0;
    const p = a + b - c;
    const paeth = Math.abs(p - a) <= Math.abs(p - b) &&
        Math.abs(p - a) <= Math.abs(p - c)
      ? a
      : Math.abs(p - b) <= Math.abs(p - c)
      ? b
      : c;
    const predictor = [0, a, b, (a + b) >> 1, paeth][filter];
    return (value - predictor) & 0xff;
  });
}

function encode(
  width: number,
  height: number,
  channels: 3 | 4,
  pixels: Uint8Array,
  idatParts = 1,
): Uint8Array {
  const stride = width * channels;
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const filter = y % 5;
    raw[y * (stride + 1)] = filter;
    raw.set(
      filterRow(
        filter,
        pixels.subarray(y * stride, (y + 1) * stride),
        y === 0 ? undefined : pixels.subarray((y - 1) * stride, y * stride),
        channels,
      ),
      y * (stride + 1) + 1,
    );
  }
  const compressed = new Uint8Array(deflateSync(raw));
  const cut = Math.floor(compressed.length / idatParts);
  const idats = Array.from(
    { length: idatParts },
    (_, i) =>
      chunk(
        "IDAT",
        compressed.subarray(
          i * cut,
          i === idatParts - 1 ? compressed.length : (i + 1) * cut,
        ),
      ),
  );
  return concatBytes([
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk(
      "IHDR",
      header(width, height, { colourType: channels === 3 ? 2 : 6 }),
    ),
    chunk("tEXt", new TextEncoder().encode("Comment\0ancillary")),
    ...idats,
    chunk("IEND", new Uint8Array()),
  ]);
}

function noise(length: number, seed: number): Uint8Array {
  let state = seed;
  return Uint8Array.from({ length }, () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state >> 16;
  });
}

Deno.test("crc32 matches the CRC of an IEND chunk", () => {
  assert.equal(crc32(new TextEncoder().encode("IEND")), 0xae426082);
});

Deno.test("decodePng undoes every row filter, RGB and RGBA", () => {
  for (const channels of [3, 4] as const) {
    const pixels = noise(13 * 11 * channels, channels);
    const image = decodePng(encode(13, 11, channels, pixels, 3));
    assert.equal(image.width, 13);
    assert.equal(image.height, 11);
    assert.equal(image.channels, channels);
    assert.deepEqual(image.data, pixels);
  }
});

Deno.test("decodePng refuses what it does not read, by name", () => {
  const good = encode(2, 2, 3, noise(12, 1));
  assert.throws(() => decodePng(good.subarray(1)), /signature/);
  assert.throws(() => decodePng(good.subarray(0, good.length - 12)), /IEND/);
  const corrupt = good.slice();
  corrupt[20] ^= 1;
  assert.throws(() => decodePng(corrupt), /CRC/);
  const withHeader = (fields: Parameters<typeof header>[2]) =>
    concatBytes([
      good.subarray(0, 8),
      chunk("IHDR", header(2, 2, fields)),
      good.subarray(8 + 25),
    ]);
  assert.throws(() => decodePng(withHeader({ depth: 16 })), /bit depth 16/);
  assert.throws(
    () => decodePng(withHeader({ colourType: 3 })),
    /colour type 3/,
  );
  assert.throws(() => decodePng(withHeader({ interlace: 1 })), /interlaced/);
  const critical = concatBytes([
    good.subarray(0, 33),
    chunk("PLTE", new Uint8Array(3)),
    good.subarray(33),
  ]);
  assert.throws(() => decodePng(critical), PngError);
});
