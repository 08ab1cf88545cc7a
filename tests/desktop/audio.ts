/**
 * Test sound as raw signed 16-bit little-endian mono samples: a tone to
 * play, and what a recording of it must show — loud enough, and at the
 * tone's pitch, so that neither silence nor noise passes.
 *
 * @module
 */

/** What {@linkcode sineS16le} generates. */
export interface ToneOptions {
  /** Hertz. */
  frequency: number;
  /** Samples per second. */
  rate: number;
  /** Length in seconds. */
  seconds: number;
  /** Peak amplitude, 1 to 32767. */
  amplitude: number;
}

/** The rate the desktop tests play and record at. */
export const TEST_RATE = 48_000;

/** The tone the desktop tests play: half a second of A4, well above silence. */
export const TEST_TONE: ToneOptions = {
  frequency: 440,
  rate: TEST_RATE,
  seconds: 0.5,
  amplitude: 12_000,
};

/** A sine tone as s16le mono bytes. */
export function sineS16le(options: ToneOptions): Uint8Array {
  const count = Math.round(options.rate * options.seconds);
  const bytes = new Uint8Array(count * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < count; i++) {
    const value = options.amplitude *
      Math.sin(2 * Math.PI * options.frequency * i / options.rate);
    view.setInt16(i * 2, Math.round(value), true);
  }
  return bytes;
}

/** Reads s16le bytes as samples; a trailing odd byte is dropped. */
export function s16leSamples(bytes: Uint8Array): Int16Array {
  const count = Math.floor(bytes.length / 2);
  const view = new DataView(bytes.buffer, bytes.byteOffset, count * 2);
  return Int16Array.from(
    { length: count },
    (_, i) => view.getInt16(i * 2, true),
  );
}

/** How loud a recording is. */
export interface Levels {
  /** Largest absolute sample. */
  peak: number;
  /** Root mean square over all samples. */
  rms: number;
}

/** Peak and RMS of `samples` (both 0 for none). */
export function levels(samples: Int16Array): Levels {
  let peak = 0;
  let squares = 0;
  for (const sample of samples) {
    peak = Math.max(peak, Math.abs(sample));
    squares += sample * sample;
  }
  return {
    peak,
    rms: samples.length === 0 ? 0 : Math.sqrt(squares / samples.length),
  };
}

/**
 * The pitch of the loud stretch of a recording (from the first to the last
 * sample above half the peak), from its rising zero crossings; undefined
 * when the recording is silent or the stretch is too short to tell.
 */
export function toneFrequency(
  samples: Int16Array,
  rate: number,
): number | undefined {
  const { peak } = levels(samples);
  if (peak === 0) return undefined;
  const loud = (sample: number) => Math.abs(sample) > peak / 2;
  const first = samples.findIndex(loud);
  const last = samples.findLastIndex(loud);
  let rising = 0;
  let firstRise = -1;
  let lastRise = -1;
  for (let i = first + 1; i <= last; i++) {
    if (samples[i - 1] < 0 && samples[i] >= 0) {
      rising++;
      if (firstRise < 0) firstRise = i;
      lastRise = i;
    }
  }
  if (rising < 3) return undefined;
  return (rising - 1) * rate / (lastRise - firstRise);
}

/** What {@linkcode heardTone} requires. */
export interface ToneCheck {
  /** The tone played. */
  tone: ToneOptions;
  /** The recording's sample rate. */
  rate: number;
}

/**
 * Says why a recording does not hold the tone (too quiet, or the wrong
 * pitch), or undefined when it does: peak at least half the tone's
 * amplitude, pitch within 3 %.
 */
export function heardTone(
  samples: Int16Array,
  check: ToneCheck,
): string | undefined {
  const { peak, rms } = levels(samples);
  if (peak < check.tone.amplitude / 2) {
    return `the recording is (nearly) silent: peak ${peak}, RMS ${
      rms.toFixed(1)
    }, ${samples.length} samples`;
  }
  const frequency = toneFrequency(samples, check.rate);
  if (
    frequency === undefined ||
    Math.abs(frequency - check.tone.frequency) > check.tone.frequency * 0.03
  ) {
    return `the recording is loud (peak ${peak}) but its pitch is ${
      frequency?.toFixed(1) ?? "unclear"
    } Hz, not ${check.tone.frequency} Hz`;
  }
  return undefined;
}
