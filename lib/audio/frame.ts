/**
 * The pulse native protocol's framing. Everything on the socket is a frame:
 * a 20-byte descriptor of five big-endian 32-bit words (payload length,
 * channel, seek offset high and low, flags), then the payload. Channel
 * 0xffffffff carries control packets (a tagstruct, see `tagstruct.ts`);
 * any other channel is raw audio for the stream with that channel number.
 * The top byte of the flags marks shared-memory frames (a reference to a
 * block in a shared pool, or its release), which the guard never lets
 * through: it turns shared memory off (see `session.ts`).
 *
 * @module
 */
import { AudioProtocolError } from "./protocol_error.ts";

/** Bytes in a frame's descriptor. */
export const DESCRIPTOR_SIZE = 20;

/** The channel of control packets. */
export const CONTROL_CHANNEL = 0xffff_ffff;

/** Flag bits that mark a shared-memory frame (pulse's PA_FLAG_SHMMASK). */
export const SHM_FLAGS_MASK = 0xff00_0000;

/** Largest payload pulse itself accepts (its FRAME_SIZE_MAX_ALLOW). */
export const MAX_FRAME_SIZE = 16 * 1024 * 1024;

/** The splitter's buffer between frames: room for libpulse's largest block. */
const KEPT_BUFFER_SIZE = DESCRIPTOR_SIZE + 64 * 1024;

/** A frame's descriptor. */
export interface FrameHeader {
  /** Payload bytes after the descriptor. */
  length: number;
  /** {@linkcode CONTROL_CHANNEL}, or a stream's channel. */
  channel: number;
  /** High word of the seek offset of audio data. */
  offsetHigh: number;
  /** Low word of the seek offset of audio data. */
  offsetLow: number;
  /** Seek mode in the low byte; shared-memory kinds in the top byte. */
  flags: number;
}

/** One whole frame. */
export interface Frame {
  /** Its descriptor. */
  header: FrameHeader;
  /** The frame as it came: descriptor and payload. */
  bytes: Uint8Array;
  /** Its payload, `header.length` bytes: a view into `bytes`. */
  payload: Uint8Array;
}

/**
 * Reads and checks a descriptor: a payload of 1 to `maxLength` bytes.
 *
 * @example
 * ```ts
 * import { encodeFrame, readDescriptor } from "./frame.ts";
 * const bytes = encodeFrame({ channel: 3 }, new Uint8Array(4));
 * readDescriptor(bytes).length; // 4
 * ```
 */
export function readDescriptor(
  bytes: Uint8Array,
  maxLength: number = MAX_FRAME_SIZE,
): FrameHeader {
  if (bytes.length < DESCRIPTOR_SIZE) {
    throw new AudioProtocolError(
      `a frame descriptor is ${DESCRIPTOR_SIZE} bytes, got ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, DESCRIPTOR_SIZE);
  const header: FrameHeader = {
    length: view.getUint32(0),
    channel: view.getUint32(4),
    offsetHigh: view.getUint32(8),
    offsetLow: view.getUint32(12),
    flags: view.getUint32(16),
  };
  if (header.length === 0 || header.length > maxLength) {
    throw new AudioProtocolError(
      `frame payload of ${header.length} bytes (1 to ${maxLength} allowed)`,
    );
  }
  return header;
}

/** Whether the frame refers to shared memory instead of carrying bytes. */
export function isSharedMemoryFrame(header: FrameHeader): boolean {
  return (header.flags & SHM_FLAGS_MASK) !== 0;
}

/**
 * Encodes a frame; the header's length is the payload's. A missing
 * channel means a control packet.
 */
export function encodeFrame(
  header: Partial<Omit<FrameHeader, "length">>,
  payload: Uint8Array,
): Uint8Array {
  const bytes = new Uint8Array(DESCRIPTOR_SIZE + payload.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, payload.length);
  view.setUint32(4, header.channel ?? CONTROL_CHANNEL);
  view.setUint32(8, header.offsetHigh ?? 0);
  view.setUint32(12, header.offsetLow ?? 0);
  view.setUint32(16, header.flags ?? 0);
  bytes.set(payload, DESCRIPTOR_SIZE);
  return bytes;
}

/**
 * Cuts a byte stream into frames. It holds at most one unfinished frame:
 * a descriptor is checked as soon as its 20 bytes are in, so a frame over
 * the limit fails before any of its payload is buffered.
 *
 * @example
 * ```ts
 * import { encodeFrame, FrameSplitter } from "./frame.ts";
 * const splitter = new FrameSplitter(64 * 1024);
 * const bytes = encodeFrame({}, new Uint8Array([76, 0, 0, 0, 9]));
 * splitter.push(bytes.subarray(0, 7)); // []
 * splitter.push(bytes.subarray(7)); // [one frame]
 * ```
 */
export class FrameSplitter {
  readonly #maxLength: number;
  #buffer = new Uint8Array(KEPT_BUFFER_SIZE);
  #held = 0;
  #header: FrameHeader | undefined;

  /** A splitter that refuses payloads over `maxLength` bytes. */
  constructor(maxLength: number = MAX_FRAME_SIZE) {
    this.#maxLength = maxLength;
  }

  /** Bytes held for an unfinished frame. */
  get buffered(): number {
    return this.#held;
  }

  /** Adds bytes and returns the frames they complete, in order. */
  push(chunk: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      const wanted = DESCRIPTOR_SIZE + (this.#header?.length ?? 0);
      const take = Math.min(wanted - this.#held, chunk.length - offset);
      if (wanted > this.#buffer.length) this.#grow(wanted);
      this.#buffer.set(chunk.subarray(offset, offset + take), this.#held);
      this.#held += take;
      offset += take;
      if (this.#held < wanted) break;
      if (!this.#header) {
        this.#header = readDescriptor(this.#buffer, this.#maxLength);
        continue;
      }
      const bytes = this.#buffer.slice(0, wanted);
      frames.push({
        header: this.#header,
        bytes,
        payload: bytes.subarray(DESCRIPTOR_SIZE),
      });
      this.#header = undefined;
      this.#held = 0;
      // One large frame must not pin its buffer for the connection's life.
      if (this.#buffer.length > KEPT_BUFFER_SIZE) {
        this.#buffer = new Uint8Array(KEPT_BUFFER_SIZE);
      }
    }
    return frames;
  }

  /** Makes room for a whole frame of `size` bytes, keeping what is held. */
  #grow(size: number): void {
    const grown = new Uint8Array(size);
    grown.set(this.#buffer.subarray(0, this.#held));
    this.#buffer = grown;
  }
}
