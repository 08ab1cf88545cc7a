/**
 * Seeded randomness for the display tests: a failing fuzz round can be
 * replayed by setting `QUBESIFY_FUZZ_SEED` to the seed its message names.
 *
 * @module
 */
import { knownInterfaces } from "./protocol.ts";
export { fuzzSeed, xorshift } from "../io/_test_fuzz.ts";
import type { ArgValue } from "./wire.ts";
import type { MessageSpec } from "./protocol.ts";

/** Random bytes of the given length. */
export function randomBytes(next: () => number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = next() & 0xff;
  return bytes;
}

// Code points of every UTF-8 length, and characters that break naive code.
const CHARACTERS = [
  "a",
  "Z",
  " ",
  "[",
  "é",
  "ß",
  "€",
  "中",
  "\u{1F600}",
  "\u{10FFFF}",
  "\uFEFF",
];

/** A string without NUL, up to `most` characters, of mixed UTF-8 lengths. */
export function randomString(next: () => number, most: number): string {
  let text = "";
  for (let length = next() % (most + 1); length > 0; length--) {
    text += CHARACTERS[next() % CHARACTERS.length];
  }
  return text;
}

/** Values that fit `spec`: nulls where allowed, extremes of every range. */
export function randomArgs(next: () => number, spec: MessageSpec): ArgValue[] {
  const names = knownInterfaces();
  const u32 = () => {
    const pick = next() % 8;
    return pick === 0 ? 0 : pick === 1 ? 0xffff_ffff : next();
  };
  const id = (nullable: boolean) =>
    nullable && next() % 4 === 0 ? 0 : 1 + next() % 0xffff_fffe;
  return spec.args.map((arg): ArgValue => {
    switch (arg.type) {
      case "int":
      case "fixed":
        return u32() | 0;
      case "uint":
        return u32();
      case "object":
        return id(arg.nullable);
      case "new_id":
        return arg.interface === undefined
          ? {
            interface: names[next() % names.length],
            version: u32(),
            id: id(false),
          }
          : id(arg.nullable);
      case "string":
        return arg.nullable && next() % 4 === 0 ? null : randomString(next, 40);
      case "array":
        return randomBytes(next, next() % 40);
      case "fd":
        return next() % 1024;
    }
  });
}
