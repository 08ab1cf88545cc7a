/**
 * Fuzz inputs for lib/vsock: valid bytes broken the ways a hostile guest
 * or front-end would break them, from a seeded generator (see
 * lib/io/_test_fuzz.ts) so a failing round replays.
 *
 * @module
 */

/** Words worth trying in a length, index, port or address field. */
export const NASTY: readonly number[] = [
  0,
  1,
  2,
  3,
  0x7f,
  0x80,
  0xff,
  0x100,
  0xffff,
  0x1_0000,
  0x7fff_ffff,
  0x8000_0000,
  0xffff_fffe,
  0xffff_ffff,
];

/** `length` random bytes. */
export function randomBytes(next: () => number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < bytes.length; i++) bytes[i] = next() & 0xff;
  return bytes;
}

/**
 * `valid` as it is (one time in eight), or broken: random bytes, bits
 * flipped, nasty words written over aligned words, cut or extended.
 */
export function mutate(next: () => number, valid: Uint8Array): Uint8Array {
  const bytes = valid.slice();
  switch (next() % 8) {
    case 0:
      return bytes;
    case 1:
      return randomBytes(next, next() % (valid.length + 16));
    case 2:
    case 3:
      for (let flips = 1 + next() % 4; flips > 0 && bytes.length; flips--) {
        const bit = next() % (bytes.length * 8);
        bytes[bit >> 3] ^= 1 << (bit & 7);
      }
      return bytes;
    case 4:
    case 5: {
      const view = new DataView(bytes.buffer);
      for (let writes = 1 + next() % 3; writes > 0; writes--) {
        if (bytes.length < 4) break;
        const at = 4 * (next() % Math.floor(bytes.length / 4));
        view.setUint32(at, NASTY[next() % NASTY.length], true);
      }
      return bytes;
    }
    case 6:
      return bytes.subarray(0, next() % (bytes.length + 1));
    default: {
      const longer = new Uint8Array(bytes.length + 1 + next() % 16);
      longer.set(bytes);
      longer.set(randomBytes(next, longer.length - bytes.length), bytes.length);
      return longer;
    }
  }
}
