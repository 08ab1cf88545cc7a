/**
 * Byte chunks joined into one array.
 *
 * @module
 */

/**
 * The parts one after the other, in one new array.
 *
 * @example
 * ```ts
 * import { concatBytes } from "./concat_bytes.ts";
 * concatBytes([Uint8Array.of(1), Uint8Array.of(2, 3)]); // [1, 2, 3]
 * ```
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(
    parts.reduce((total, part) => total + part.length, 0),
  );
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}
