/**
 * Just enough PNG decoding to count a screenshot's pixels: 8-bit truecolour
 * (with or without alpha), not interlaced, which is what
 * `weston-screenshooter` writes. Anything else is refused by name rather
 * than decoded wrongly.
 *
 * @module
 */
import { inflateSync } from "node:zlib";
import { concatBytes } from "../../lib/io/mod.ts";

/** A decoded image: `width × height` pixels, `channels` bytes each, row by row. */
export interface RgbImage {
  /** Pixels per row. */
  width: number;
  /** Rows. */
  height: number;
  /** 3 (RGB) or 4 (RGBA). */
  channels: 3 | 4;
  /** `width * height * channels` bytes, top row first. */
  data: Uint8Array;
}

/** The bytes are not a PNG this decoder handles. */
export class PngError extends Error {
  /** Says what is wrong with the file. */
  constructor(message: string) {
    super(`PNG: ${message}`);
    this.name = "PngError";
  }
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Decodes an 8-bit RGB or RGBA, non-interlaced PNG, checking every
 * chunk's CRC. Throws {@linkcode PngError} on anything else.
 */
export function decodePng(bytes: Uint8Array): RgbImage {
  if (
    bytes.length < SIGNATURE.length ||
    SIGNATURE.some((byte, index) => bytes[index] !== byte)
  ) {
    throw new PngError("the file does not start with the PNG signature");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = SIGNATURE.length;
  let header: { width: number; height: number; channels: 3 | 4 } | undefined;
  const compressed: Uint8Array[] = [];
  let ended = false;
  while (!ended) {
    if (offset + 12 > bytes.length) {
      throw new PngError("the file ends before its IEND chunk");
    }
    const length = view.getUint32(offset);
    const typeAndData = bytes.subarray(offset + 4, offset + 8 + length);
    if (offset + 12 + length > bytes.length) {
      throw new PngError("a chunk runs past the end of the file");
    }
    if (crc32(typeAndData) !== view.getUint32(offset + 8 + length)) {
      throw new PngError(
        `the CRC of the chunk at byte ${offset} does not match`,
      );
    }
    const type = String.fromCharCode(...typeAndData.subarray(0, 4));
    const data = typeAndData.subarray(4);
    offset += 12 + length;
    switch (type) {
      case "IHDR":
        header = readHeader(data);
        break;
      case "IDAT":
        compressed.push(data);
        break;
      case "IEND":
        ended = true;
        break;
      default:
        if (!(typeAndData[0] & 0x20)) {
          throw new PngError(`unsupported critical chunk ${type}`);
        }
    }
  }
  if (!header) throw new PngError("no IHDR chunk");
  const { width, height, channels } = header;
  const stride = width * channels;
  const raw = new Uint8Array(inflateSync(concatBytes(compressed)));
  if (raw.length !== height * (stride + 1)) {
    throw new PngError(
      `image data is ${raw.length} bytes, ${height * (stride + 1)} expected`,
    );
  }
  const data = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    unfilterRow({
      filter: raw[y * (stride + 1)],
      row: raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)),
      out: data.subarray(y * stride, (y + 1) * stride),
      previous: y === 0
        ? undefined
        : data.subarray((y - 1) * stride, y * stride),
      bytesPerPixel: channels,
    });
  }
  return { width, height, channels, data };
}

function readHeader(
  data: Uint8Array,
): { width: number; height: number; channels: 3 | 4 } {
  if (data.length !== 13) throw new PngError("IHDR is not 13 bytes long");
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const width = view.getUint32(0);
  const height = view.getUint32(4);
  const [depth, colourType, compression, filter, interlace] = data.subarray(8);
  if (width === 0 || height === 0) throw new PngError("the image is empty");
  if (depth !== 8) throw new PngError(`bit depth ${depth} (only 8 is read)`);
  if (colourType !== 2 && colourType !== 6) {
    throw new PngError(
      `colour type ${colourType} (only RGB, 2, and RGBA, 6, are read)`,
    );
  }
  if (compression !== 0 || filter !== 0) {
    throw new PngError("unknown compression or filter method");
  }
  if (interlace !== 0) throw new PngError("interlaced images are not read");
  return { width, height, channels: colourType === 2 ? 3 : 4 };
}

function unfilterRow(
  options: {
    filter: number;
    row: Uint8Array;
    out: Uint8Array;
    previous: Uint8Array | undefined;
    bytesPerPixel: number;
  },
): void {
  const { filter, row, out, previous, bytesPerPixel } = options;
  for (let i = 0; i < row.length; i++) {
    const left = i >= bytesPerPixel ? out[i - bytesPerPixel] : 0;
    const up = previous ? previous[i] : 0;
    const upLeft = previous && i >= bytesPerPixel
      ? previous[i - bytesPerPixel]
      : 0;
    let predictor: number;
    switch (filter) {
      case 0:
        predictor = 0;
        break;
      case 1:
        predictor = left;
        break;
      case 2:
        predictor = up;
        break;
      case 3:
        predictor = (left + up) >> 1;
        break;
      case 4:
        predictor = paeth(left, up, upLeft);
        break;
      default:
        throw new PngError(`unknown row filter ${filter}`);
    }
    out[i] = (row[i] + predictor) & 0xff;
  }
}

function paeth(left: number, up: number, upLeft: number): number {
  const estimate = left + up - upLeft;
  const toLeft = Math.abs(estimate - left);
  const toUp = Math.abs(estimate - up);
  const toUpLeft = Math.abs(estimate - upLeft);
  if (toLeft <= toUp && toLeft <= toUpLeft) return left;
  return toUp <= toUpLeft ? up : upLeft;
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 as PNG chunks use it (ISO 3309, reflected, polynomial 0xEDB88320). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
