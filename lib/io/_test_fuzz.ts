/**
 * Test support for fuzzers: a seeded generator, so a failing round can be
 * replayed by setting `QUBESIFY_FUZZ_SEED` to the seed its message names.
 *
 * @module
 */

/** A small deterministic generator (xorshift32) of unsigned 32-bit numbers. */
export function xorshift(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

/** `QUBESIFY_FUZZ_SEED`, or one taken from the clock. */
export function fuzzSeed(): number {
  return Number(Deno.env.get("QUBESIFY_FUZZ_SEED") ?? Date.now() % 2 ** 31);
}
