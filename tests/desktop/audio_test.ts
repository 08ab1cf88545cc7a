import assert from "node:assert/strict";
import {
  heardTone,
  levels,
  s16leSamples,
  sineS16le,
  toneFrequency,
} from "./audio.ts";

const TONE = { frequency: 440, rate: 48_000, seconds: 0.25, amplitude: 10_000 };

Deno.test("sineS16le writes the tone's samples, little-endian", () => {
  const bytes = sineS16le({ ...TONE, frequency: 12_000 });
  assert.equal(bytes.length, 0.25 * 48_000 * 2);
  // A quarter period of 12 kHz at 48 kHz is one sample: 0, peak, 0, -peak.
  assert.deepEqual(
    Array.from(s16leSamples(bytes).subarray(0, 4)),
    [0, 10_000, 0, -10_000],
  );
  assert.deepEqual(Array.from(bytes.subarray(2, 4)), [0x10, 0x27]);
});

Deno.test("s16leSamples drops a trailing odd byte", () => {
  assert.deepEqual(
    Array.from(s16leSamples(new Uint8Array([0xff, 0xff, 0x01]))),
    [-1],
  );
});

Deno.test("levels gives peak and RMS", () => {
  assert.deepEqual(levels(new Int16Array([3, -4])), {
    peak: 4,
    rms: Math.sqrt(12.5),
  });
  assert.deepEqual(levels(new Int16Array()), { peak: 0, rms: 0 });
});

Deno.test("toneFrequency finds the pitch between silences", () => {
  const tone = s16leSamples(sineS16le(TONE));
  const padded = new Int16Array(tone.length + 20_000);
  padded.set(tone, 7_000);
  const frequency = toneFrequency(padded, 48_000);
  assert.ok(frequency !== undefined && Math.abs(frequency - 440) < 2);
  assert.equal(toneFrequency(new Int16Array(100), 48_000), undefined);
});

Deno.test("heardTone: silence, a quiet tone and a wrong pitch fail", () => {
  const check = { tone: TONE, rate: 48_000 };
  assert.equal(heardTone(s16leSamples(sineS16le(TONE)), check), undefined);
  assert.match(heardTone(new Int16Array(48_000), check)!, /silent/);
  assert.match(
    heardTone(s16leSamples(sineS16le({ ...TONE, amplitude: 1_000 })), check)!,
    /silent: peak 1000/,
  );
  assert.match(
    heardTone(s16leSamples(sineS16le({ ...TONE, frequency: 880 })), check)!,
    /pitch is 88\d\.\d Hz/,
  );
});
