/**
 * Tagstructs: the payload of every pulse control packet, a sequence of
 * values each led by a one-byte tag that says its type ('L' a big-endian
 * u32, 't' a NUL-terminated string, 'P' a property list, ...). A packet is
 * a tagstruct whose first two values are u32s: the command and the tag
 * that pairs a reply with its request.
 *
 * The reader takes one value at a time and checks what pulse's own
 * reader checks (lengths inside the packet, at most 32 channels, property
 * values of at most 64 KiB whose declared length matches), so the guard
 * and the server agree on where each value starts.
 *
 * @module
 */
import { AudioProtocolError } from "./protocol_error.ts";

/** A tagstruct value, with the offset of its tag byte in the packet. */
export type TagValue =
  & { offset: number }
  & (
    | { type: "string"; value: string | null }
    | { type: "u32" | "u8" | "volume"; value: number }
    | { type: "u64" | "s64" | "usec"; value: bigint }
    | { type: "boolean"; value: boolean }
    | { type: "sample_spec"; format: number; channels: number; rate: number }
    | { type: "arbitrary"; value: Uint8Array }
    | { type: "timeval"; seconds: number; microseconds: number }
    | { type: "channel_map"; value: Uint8Array }
    | { type: "cvolume"; value: number[] }
    | { type: "proplist"; value: Map<string, Uint8Array> }
    | {
      type: "format_info";
      encoding: number;
      properties: Map<string, Uint8Array>;
    }
  );

/** Tag bytes (pulse's PA_TAG_*). */
export const TAG = {
  string: 0x74, // 't'
  stringNull: 0x4e, // 'N'
  u32: 0x4c, // 'L'
  u8: 0x42, // 'B'
  u64: 0x52, // 'R'
  s64: 0x72, // 'r'
  sampleSpec: 0x61, // 'a'
  arbitrary: 0x78, // 'x'
  booleanTrue: 0x31, // '1'
  booleanFalse: 0x30, // '0'
  timeval: 0x54, // 'T'
  usec: 0x55, // 'U'
  channelMap: 0x6d, // 'm'
  cvolume: 0x76, // 'v'
  proplist: 0x50, // 'P'
  volume: 0x56, // 'V'
  formatInfo: 0x66, // 'f'
} as const;

/** Most channels a channel map or volume may name (PA_CHANNELS_MAX). */
export const MAX_CHANNELS = 32;

/** Largest property value pulse accepts (its MAX_TAG_SIZE). */
export const MAX_PROPERTY_SIZE = 64 * 1024;

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * Reads a tagstruct value by value; every method throws
 * {@linkcode AudioProtocolError} on bytes that are not a tagstruct.
 *
 * @example
 * ```ts
 * import { TagReader, TagWriter } from "./tagstruct.ts";
 * const reader = new TagReader(new TagWriter().u32(20).u32(7).bytes());
 * const [command, tag] = [reader.u32(), reader.u32()]; // 20, 7
 * reader.done; // true
 * ```
 */
export class TagReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #offset = 0;

  /** A reader at the start of `bytes`. */
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  /** Whether every value has been read. */
  get done(): boolean {
    return this.#offset >= this.#bytes.length;
  }

  /** The next value, which must be a u32. */
  u32(): number {
    const value = this.next();
    if (value.type !== "u32") {
      throw new AudioProtocolError(
        `expected a u32 at byte ${value.offset}, found a ${value.type}`,
      );
    }
    return value.value;
  }

  /** The next value, whatever its type. */
  next(): TagValue {
    const offset = this.#offset;
    const tag = this.#take(1)[0];
    switch (tag) {
      case TAG.string:
        return { offset, type: "string", value: this.#cString() };
      case TAG.stringNull:
        return { offset, type: "string", value: null };
      case TAG.u32:
        return { offset, type: "u32", value: this.#u32() };
      case TAG.volume:
        return { offset, type: "volume", value: this.#u32() };
      case TAG.u8:
        return { offset, type: "u8", value: this.#take(1)[0] };
      case TAG.u64:
        return { offset, type: "u64", value: this.#u64() };
      case TAG.s64:
        return { offset, type: "s64", value: BigInt.asIntN(64, this.#u64()) };
      case TAG.usec:
        return { offset, type: "usec", value: this.#u64() };
      case TAG.booleanTrue:
      case TAG.booleanFalse:
        return { offset, type: "boolean", value: tag === TAG.booleanTrue };
      case TAG.sampleSpec: {
        const [format, channels] = this.#take(2);
        return {
          offset,
          type: "sample_spec",
          format,
          channels,
          rate: this.#u32(),
        };
      }
      case TAG.arbitrary:
        return { offset, type: "arbitrary", value: this.#take(this.#u32()) };
      case TAG.timeval:
        return {
          offset,
          type: "timeval",
          seconds: this.#u32(),
          microseconds: this.#u32(),
        };
      case TAG.channelMap:
        return {
          offset,
          type: "channel_map",
          value: this.#take(this.#channelCount()).slice(),
        };
      case TAG.cvolume: {
        const count = this.#channelCount();
        const value = Array.from({ length: count }, () => this.#u32());
        return { offset, type: "cvolume", value };
      }
      case TAG.proplist:
        return { offset, type: "proplist", value: this.#properties() };
      case TAG.formatInfo: {
        const encoding = this.next();
        if (encoding.type !== "u8") {
          throw new AudioProtocolError(
            `a format info at byte ${offset} lacks its encoding`,
          );
        }
        const properties = this.next();
        if (properties.type !== "proplist") {
          throw new AudioProtocolError(
            `a format info at byte ${offset} lacks its property list`,
          );
        }
        return {
          offset,
          type: "format_info",
          encoding: encoding.value,
          properties: properties.value,
        };
      }
      default:
        throw new AudioProtocolError(
          `unknown tagstruct tag 0x${tag.toString(16)} at byte ${offset}`,
        );
    }
  }

  /** `length` bytes from the current offset, as a view. */
  #take(length: number): Uint8Array {
    if (length > this.#bytes.length - this.#offset) {
      throw new AudioProtocolError(
        `a tagstruct value at byte ${this.#offset} runs past the packet's end`,
      );
    }
    const bytes = this.#bytes.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return bytes;
  }

  #u32(): number {
    const at = this.#offset;
    this.#take(4);
    return this.#view.getUint32(at);
  }

  #u64(): bigint {
    const at = this.#offset;
    this.#take(8);
    return this.#view.getBigUint64(at);
  }

  #cString(): string {
    const end = this.#bytes.indexOf(0, this.#offset);
    if (end < 0) {
      throw new AudioProtocolError(
        `a string at byte ${this.#offset} has no terminating NUL`,
      );
    }
    const text = decoder.decode(this.#take(end - this.#offset));
    this.#take(1);
    return text;
  }

  #channelCount(): number {
    const count = this.#take(1)[0];
    if (count > MAX_CHANNELS) {
      throw new AudioProtocolError(
        `${count} channels at byte ${
          this.#offset - 1
        } (at most ${MAX_CHANNELS})`,
      );
    }
    return count;
  }

  /** A property list's entries, up to its terminating null string. */
  #properties(): Map<string, Uint8Array> {
    const properties = new Map<string, Uint8Array>();
    for (;;) {
      const key = this.next();
      if (key.type !== "string") {
        throw new AudioProtocolError(
          `a property key at byte ${key.offset} is a ${key.type}`,
        );
      }
      if (key.value === null) return properties;
      // deno-lint-ignore no-control-regex
      if (key.value === "" || !/^[\x01-\x7f]*$/.test(key.value)) {
        throw new AudioProtocolError(
          `a property key at byte ${key.offset} is empty or not ASCII`,
        );
      }
      const length = this.u32();
      const value = this.next();
      if (
        length > MAX_PROPERTY_SIZE || value.type !== "arbitrary" ||
        value.value.length !== length
      ) {
        throw new AudioProtocolError(
          `the value of property ${key.value} at byte ${value.offset} ` +
            `is not ${length} bytes (at most ${MAX_PROPERTY_SIZE})`,
        );
      }
      properties.set(key.value, value.value.slice());
    }
  }
}

/**
 * Builds a tagstruct value by value, as pulse writes it.
 *
 * @example
 * ```ts
 * import { TagWriter } from "./tagstruct.ts";
 * const packet = new TagWriter().u32(9).u32(1)
 *   .proplist({ "application.name": "demo" }).bytes();
 * ```
 */
export class TagWriter {
  #parts: Uint8Array[] = [];
  #length = 0;

  /** A u32 value. */
  u32(value: number): this {
    return this.#put(TAG.u32, uint32(value));
  }

  /** A u8 value. */
  u8(value: number): this {
    return this.#put(TAG.u8, Uint8Array.of(value));
  }

  /** A boolean value. */
  boolean(value: boolean): this {
    return this.#put(value ? TAG.booleanTrue : TAG.booleanFalse);
  }

  /** A string, or the null string. */
  string(value: string | null): this {
    if (value === null) return this.#put(TAG.stringNull);
    return this.#put(TAG.string, encoder.encode(value), Uint8Array.of(0));
  }

  /** Raw bytes with their length. */
  arbitrary(value: Uint8Array): this {
    return this.#put(TAG.arbitrary, uint32(value.length), value);
  }

  /** A sample format, channel count and rate. */
  sampleSpec(format: number, channels: number, rate: number): this {
    return this.#put(
      TAG.sampleSpec,
      Uint8Array.of(format, channels),
      uint32(rate),
    );
  }

  /** A channel map: one position per channel. */
  channelMap(positions: readonly number[]): this {
    return this.#put(
      TAG.channelMap,
      Uint8Array.of(positions.length, ...positions),
    );
  }

  /** A volume per channel. */
  cvolume(volumes: readonly number[]): this {
    return this.#put(
      TAG.cvolume,
      Uint8Array.of(volumes.length),
      ...volumes.map(uint32),
    );
  }

  /** A property list of text values (NUL-terminated, as libpulse stores them). */
  proplist(properties: Readonly<Record<string, string>>): this {
    this.#put(TAG.proplist);
    for (const [key, text] of Object.entries(properties)) {
      const value = encoder.encode(`${text}\0`);
      this.string(key).u32(value.length).arbitrary(value);
    }
    return this.string(null);
  }

  /** The tagstruct so far. */
  bytes(): Uint8Array {
    const bytes = new Uint8Array(this.#length);
    let offset = 0;
    for (const part of this.#parts) {
      bytes.set(part, offset);
      offset += part.length;
    }
    return bytes;
  }

  #put(tag: number, ...parts: Uint8Array[]): this {
    for (const part of [Uint8Array.of(tag), ...parts]) {
      this.#parts.push(part);
      this.#length += part.length;
    }
    return this;
  }
}

/** `value` as four big-endian bytes. */
function uint32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value >>> 0);
  return bytes;
}
