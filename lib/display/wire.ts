/**
 * The Wayland wire format: framing and argument codec. Every byte comes from
 * a hostile guest, so each length is checked against what is left before it
 * is used, nothing is allocated beyond the message's own size, and anything
 * malformed throws {@linkcode WireError} and nothing else.
 *
 * A message is a header (u32 object id, u32 size << 16 | opcode; the size
 * counts the header, is a multiple of 4) and its arguments in host byte order
 * (little-endian on the machines qubesify runs on): int, uint, fixed, object
 * and new_id take 4 bytes; a string is a u32 length counting its NUL (0 for
 * null), the bytes, the NUL, padding to 4; an array a u32 length, the bytes,
 * padding; an fd takes no bytes but the next file descriptor of the
 * connection's ancillary data. A new_id without an interface
 * (`wl_registry.bind`) is a string interface, a uint version and the id.
 *
 * @module
 */
import { QubesifyError } from "../errors/mod.ts";
import type { ArgSpec, MessageSpec } from "./protocol.ts";

/** Bytes in a message header. */
export const HEADER_SIZE = 8;
/** Largest message accepted (libwayland 1.21's buffer). */
export const MAX_MESSAGE_SIZE = 4096;
/** Most fds one message may carry. */
export const MAX_FDS_PER_MESSAGE = 28;

/** A message that breaks the wire format, or values that cannot be sent. */
export class WireError extends QubesifyError {}

/** The fixed 8 bytes in front of every message. */
export interface MessageHeader {
  objectId: number;
  opcode: number;
  /** Of the whole message, header included. */
  size: number;
}

/** A new_id without an interface in the XML (`wl_registry.bind`). */
export interface UntypedNewId {
  interface: string;
  version: number;
  id: number;
}

/**
 * A decoded argument, by type: a number for int, uint, fixed (raw 24.8),
 * object (id, 0 = null), new_id and fd; a string or null (nullable and
 * absent) for string; a Uint8Array for array; an {@linkcode UntypedNewId}.
 */
export type ArgValue = number | string | null | Uint8Array | UntypedNewId;

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/**
 * Reads the header at `offset`, or undefined when fewer than 8 bytes remain.
 *
 * @throws {WireError} When the size is below 8, not a multiple of 4, or over
 * {@linkcode MAX_MESSAGE_SIZE}.
 */
export function readHeader(
  bytes: Uint8Array,
  offset: number,
): MessageHeader | undefined {
  if (!(offset >= 0) || bytes.length - offset < HEADER_SIZE) return undefined;
  const objectId = readU32(bytes, offset);
  const word = readU32(bytes, offset + 4);
  const size = word >>> 16;
  if (size < HEADER_SIZE || size % 4 !== 0 || size > MAX_MESSAGE_SIZE) {
    throw new WireError(`message to object ${objectId} has bad size ${size}`);
  }
  return { objectId, opcode: word & 0xffff, size };
}

/**
 * Decodes the body (bytes after the header) by `spec`; fd arguments take fds
 * from the front of `fds`, in order. On error `fds` is left as it was, so the
 * caller still holds (and closes) every fd.
 *
 * @throws {WireError} When a length runs past the body, a string lacks its
 * NUL, holds another NUL or is not UTF-8, padding is missing, bytes are left
 * over, a null appears where the XML allows none, or too few fds arrived.
 */
export function decodeArgs(
  spec: MessageSpec,
  body: Uint8Array,
  fds: number[],
): ArgValue[] {
  const reader = new BodyReader(spec, body);
  const values: ArgValue[] = new Array(spec.args.length);
  let fdCount = 0;
  for (let index = 0; index < spec.args.length; index++) {
    const arg = spec.args[index];
    switch (arg.type) {
      case "int":
      case "fixed":
        values[index] = reader.word(arg) | 0;
        break;
      case "uint":
        values[index] = reader.word(arg);
        break;
      case "object":
        values[index] = reader.id(arg, arg.nullable);
        break;
      case "new_id":
        if (arg.interface === undefined) {
          const name = reader.text(arg, false)!;
          const version = reader.word(arg);
          values[index] = {
            interface: name,
            version,
            id: reader.id(arg, false),
          };
        } else {
          values[index] = reader.id(arg, arg.nullable);
        }
        break;
      case "string":
        values[index] = reader.text(arg, arg.nullable);
        break;
      case "array": {
        const length = reader.word(arg);
        const start = reader.skip(arg, length);
        values[index] = body.slice(start, start + length);
        break;
      }
      case "fd":
        fdCount++;
        break;
    }
  }
  if (reader.at !== body.length) {
    reader.fail(
      undefined,
      `${body.length - reader.at} bytes after the last argument`,
    );
  }
  if (fdCount > fds.length) {
    reader.fail(undefined, `needs ${fdCount} fds, ${fds.length} arrived`);
  }
  if (fdCount > 0) {
    for (let index = 0; index < spec.args.length; index++) {
      if (spec.args[index].type === "fd") values[index] = fds.shift()!;
    }
  }
  return values;
}

/** A cursor over one message body; every read checks what is left first. */
class BodyReader {
  at = 0;
  readonly #spec: MessageSpec;
  readonly #body: Uint8Array;
  readonly #view: DataView;

  constructor(spec: MessageSpec, body: Uint8Array) {
    this.#spec = spec;
    this.#body = body;
    this.#view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    if (body.length > MAX_MESSAGE_SIZE - HEADER_SIZE) {
      this.fail(undefined, "message too large");
    }
  }

  fail(arg: ArgSpec | undefined, what: string): never {
    const name = this.#spec.name + (arg ? ` argument ${arg.name}` : "");
    throw new WireError(`${name}: ${what}`);
  }

  word(arg: ArgSpec): number {
    if (this.#body.length - this.at < 4) this.fail(arg, "message ends early");
    const value = this.#view.getUint32(this.at, true);
    this.at += 4;
    return value;
  }

  id(arg: ArgSpec, nullable: boolean): number {
    const id = this.word(arg);
    if (id === 0 && !nullable) this.fail(arg, "null where none is allowed");
    return id;
  }

  /** Moves past `length` bytes and their padding; returns where they start. */
  skip(arg: ArgSpec, length: number): number {
    const start = this.at;
    const left = this.#body.length - start;
    if (length > left) this.fail(arg, `length ${length} runs past the message`);
    const padded = (length + 3) & ~3;
    if (padded > left) this.fail(arg, "padding missing");
    this.at = start + padded;
    return start;
  }

  text(arg: ArgSpec, nullable: boolean): string | null {
    const length = this.word(arg);
    if (length === 0) {
      return nullable ? null : this.fail(arg, "null where none is allowed");
    }
    const start = this.skip(arg, length);
    const stop = start + length - 1;
    if (this.#body[stop] !== 0) this.fail(arg, "string lacks its NUL");
    const content = this.#body.subarray(start, stop);
    if (content.includes(0)) this.fail(arg, "string holds a NUL");
    try {
      return utf8.decode(content);
    } catch {
      return this.fail(arg, "string is not UTF-8");
    }
  }
}

/**
 * Encodes a whole message (header included); fd arguments are returned
 * separately, in order, to go with the bytes as ancillary data.
 *
 * @throws {WireError} When `args` do not fit `spec` (count, types, ranges,
 * nulls, a NUL inside a string) or the message would exceed
 * {@linkcode MAX_MESSAGE_SIZE}.
 */
export function encodeMessage(
  objectId: number,
  opcode: number,
  spec: MessageSpec,
  args: readonly ArgValue[],
): { bytes: Uint8Array; fds: number[] } {
  const fail = (arg: ArgSpec | undefined, what: string): never => {
    throw new WireError(
      `cannot encode ${spec.name}${
        arg ? ` argument ${arg.name}` : ""
      }: ${what}`,
    );
  };
  if (!isU32(objectId)) fail(undefined, `object id ${objectId}`);
  if (!(Number.isInteger(opcode) && opcode >= 0 && opcode <= 0xffff)) {
    fail(undefined, `opcode ${opcode}`);
  }
  if (args.length !== spec.args.length) {
    fail(undefined, `${args.length} arguments for ${spec.args.length}`);
  }
  // First pass: check values, measure, and encode strings once.
  const strings: (Uint8Array | null)[] = [];
  const fds: number[] = [];
  let size = HEADER_SIZE;
  const measure = (arg: ArgSpec, value: ArgValue, nullable: boolean) => {
    if (value === null && nullable) {
      strings.push(null);
      size += 4;
      return;
    }
    if (value === null) return fail(arg, "null where none is allowed");
    if (typeof value !== "string") return fail(arg, "not a string");
    // Each UTF-16 unit encodes to at least one byte: refuse early what cannot fit.
    if (value.length > MAX_MESSAGE_SIZE) {
      fail(arg, `message exceeds ${MAX_MESSAGE_SIZE} bytes`);
    }
    const encoded = utf8Encoder.encode(value);
    if (encoded.includes(0)) fail(arg, "string holds a NUL");
    strings.push(encoded);
    size += 4 + ((encoded.length + 4) & ~3);
  };
  for (let index = 0; index < args.length; index++) {
    const arg = spec.args[index];
    const value = args[index];
    switch (arg.type) {
      case "int":
      case "fixed":
        if (!isI32(value)) {
          fail(arg, `${String(value)} is not a 32-bit integer`);
        }
        size += 4;
        break;
      case "uint":
        if (!isU32(value)) {
          fail(arg, `${String(value)} is not a 32-bit unsigned integer`);
        }
        size += 4;
        break;
      case "object":
        if (!isU32(value)) fail(arg, `${String(value)} is not an object id`);
        if (value === 0 && !arg.nullable) {
          fail(arg, "null where none is allowed");
        }
        size += 4;
        break;
      case "new_id":
        if (arg.interface === undefined) {
          if (!isUntypedNewId(value)) {
            return fail(arg, "not {interface, version, id}");
          }
          measure(arg, value.interface, false);
          if (!isU32(value.version)) fail(arg, `version ${value.version}`);
          if (!isU32(value.id) || value.id === 0) {
            fail(arg, `new id ${value.id}`);
          }
          size += 8;
        } else {
          if (!isU32(value)) fail(arg, `${String(value)} is not an object id`);
          if (value === 0 && !arg.nullable) fail(arg, "new id 0");
          size += 4;
        }
        break;
      case "string":
        measure(arg, value, arg.nullable);
        break;
      case "array":
        if (value === null && arg.nullable) {
          size += 4;
        } else if (value instanceof Uint8Array) {
          size += 4 + ((value.length + 3) & ~3);
        } else {
          fail(arg, "not a byte array");
        }
        break;
      case "fd":
        if (!(isU32(value) && value <= 0x7fff_ffff)) {
          fail(arg, `${String(value)} is not an fd`);
        }
        fds.push(value as number);
        break;
    }
    if (size > MAX_MESSAGE_SIZE) {
      fail(arg, `message exceeds ${MAX_MESSAGE_SIZE} bytes`);
    }
  }
  if (fds.length > MAX_FDS_PER_MESSAGE) {
    fail(undefined, `${fds.length} fds, at most ${MAX_FDS_PER_MESSAGE}`);
  }
  // Second pass: write. The buffer starts zeroed, so padding and NULs are
  // already in place.
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, objectId, true);
  view.setUint32(4, ((size << 16) | opcode) >>> 0, true);
  let at = HEADER_SIZE;
  let stringIndex = 0;
  const putString = () => {
    const encoded = strings[stringIndex++];
    if (encoded === null) {
      at += 4;
      return;
    }
    view.setUint32(at, encoded.length + 1, true);
    bytes.set(encoded, at + 4);
    at += 4 + ((encoded.length + 4) & ~3);
  };
  for (let index = 0; index < args.length; index++) {
    const arg = spec.args[index];
    const value = args[index];
    switch (arg.type) {
      case "int":
      case "fixed":
        view.setInt32(at, value as number, true);
        at += 4;
        break;
      case "uint":
      case "object":
        view.setUint32(at, value as number, true);
        at += 4;
        break;
      case "new_id":
        if (arg.interface === undefined) {
          const untyped = value as UntypedNewId;
          putString();
          view.setUint32(at, untyped.version, true);
          view.setUint32(at + 4, untyped.id, true);
          at += 8;
        } else {
          view.setUint32(at, value as number, true);
          at += 4;
        }
        break;
      case "string":
        putString();
        break;
      case "array": {
        const array = value as Uint8Array | null;
        if (array !== null) {
          view.setUint32(at, array.length, true);
          bytes.set(array, at + 4);
          at += 4 + ((array.length + 3) & ~3);
        } else {
          at += 4;
        }
        break;
      }
      case "fd":
        break;
    }
  }
  return { bytes, fds };
}

function readU32(bytes: Uint8Array, at: number): number {
  return (bytes[at] | bytes[at + 1] << 8 | bytes[at + 2] << 16 |
    bytes[at + 3] << 24) >>> 0;
}

function isU32(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 &&
    value <= 0xffff_ffff;
}

function isI32(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) &&
    value >= -0x8000_0000 &&
    value <= 0x7fff_ffff;
}

function isUntypedNewId(value: unknown): value is UntypedNewId {
  return typeof value === "object" && value !== null &&
    !(value instanceof Uint8Array) &&
    typeof (value as UntypedNewId).interface === "string";
}
