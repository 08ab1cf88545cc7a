/**
 * How much of what a plain HTTP client sends after its request head is
 * that request's body: exactly `Content-Length` bytes, or a chunked body up
 * to its last chunk and trailer section, or nothing. The proxy forwards
 * that much and no more, so bytes after the body (a pipelined second
 * request, say) never reach the origin unchecked.
 *
 * The chunked parser is strict in the way smuggling defenses are: CRLF
 * line ends only, hexadecimal sizes of bounded length, a CRLF after every
 * chunk's data, short lines and a bounded trailer section. Anything else
 * is a {@linkcode BodyFramingError}.
 *
 * @module
 */
import { QubesifyError } from "../errors/mod.ts";
import { headerValues, type RequestHead } from "./request_head.ts";

/** The body is not framed as its head says; `message` says how. */
export class BodyFramingError extends QubesifyError {}

/** Counts off one request body from the bytes that follow its head. */
export interface BodyMeter {
  /**
   * How many bytes at the start of `bytes` belong to the body; once the
   * body is complete, the rest of `bytes` is not part of it. Throws
   * {@linkcode BodyFramingError} on bytes that cannot be a body.
   */
  feed(bytes: Uint8Array): number;
  /** Whether the body is complete. */
  readonly done: boolean;
}

/**
 * A meter for the body of `head`: chunked, `Content-Length`, or empty when
 * the head declares neither (a request without either has no body).
 * `head` has been accepted by `parseRequestHead`, which refuses both
 * fields together, conflicting lengths and codings other than chunked.
 */
export function requestBodyMeter(head: RequestHead): BodyMeter {
  if (headerValues(head.headers, "transfer-encoding").length > 0) {
    return new ChunkedBody();
  }
  const lengths = headerValues(head.headers, "content-length");
  if (lengths.length === 0) return new LengthBody(0);
  const length = Number(lengths[0].split(",")[0].trim());
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new BodyFramingError("invalid Content-Length");
  }
  return new LengthBody(length);
}

/** A body of a known length. */
class LengthBody implements BodyMeter {
  #remaining: number;

  constructor(length: number) {
    this.#remaining = length;
  }

  get done(): boolean {
    return this.#remaining === 0;
  }

  feed(bytes: Uint8Array): number {
    const taken = Math.min(this.#remaining, bytes.length);
    this.#remaining -= taken;
    return taken;
  }
}

/** Longest chunk-size line (size, extensions) or trailer line. */
const MAX_LINE = 4096;
/** Most bytes of the trailer section. */
const MAX_TRAILERS = 16 * 1024;
/** Most hexadecimal digits of a chunk size: 2^52 bytes, a safe integer. */
const MAX_SIZE_DIGITS = 13;
// After the size: extensions (`;name=value`, quoted strings, spaces).
const EXTENSIONS = /^(?:[ \t]*;[\t\x20-\x7e\x80-\xff]*)?$/;
// A trailer field: a token name, a colon, a visible value.
const TRAILER = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*$/;

type ChunkedState =
  | "size" // reading a chunk-size line
  | "data" // reading a chunk's data
  | "data-cr" // expecting the CR after a chunk's data
  | "data-lf" // expecting the LF after it
  | "trailer" // reading a trailer line (or the final empty line)
  | "done";

/** An incremental parser of a chunked body (RFC 9112, section 7.1). */
export class ChunkedBody implements BodyMeter {
  #state: ChunkedState = "size";
  /** The current line, up to its LF, as text (size or trailer lines). */
  #line = "";
  #remaining = 0;
  #trailerBytes = 0;

  /** Whether the last chunk and the trailer section have been read. */
  get done(): boolean {
    return this.#state === "done";
  }

  /** See {@linkcode BodyMeter.feed}. */
  feed(bytes: Uint8Array): number {
    let i = 0;
    while (i < bytes.length && this.#state !== "done") {
      switch (this.#state) {
        case "data": {
          const taken = Math.min(this.#remaining, bytes.length - i);
          this.#remaining -= taken;
          i += taken;
          if (this.#remaining === 0) this.#state = "data-cr";
          break;
        }
        case "data-cr":
          if (bytes[i++] !== 0x0d) fail("chunk data must end with CRLF");
          this.#state = "data-lf";
          break;
        case "data-lf":
          if (bytes[i++] !== 0x0a) fail("chunk data must end with CRLF");
          this.#state = "size";
          break;
        default:
          i = this.#readLine(bytes, i);
      }
    }
    return i;
  }

  /** Adds bytes to the current line; at its LF, acts on the line. */
  #readLine(bytes: Uint8Array, start: number): number {
    let i = start;
    while (i < bytes.length) {
      const byte = bytes[i++];
      if (this.#state === "trailer" && ++this.#trailerBytes > MAX_TRAILERS) {
        fail("trailer section too large");
      }
      if (byte === 0x0a) {
        if (!this.#line.endsWith("\r")) fail("lines must end with CRLF");
        const line = this.#line.slice(0, -1);
        this.#line = "";
        if (line.includes("\r")) fail("lines must end with CRLF");
        if (this.#state === "size") this.#sizeLine(line);
        else this.#trailerLine(line);
        return i;
      }
      if (this.#line.length >= MAX_LINE) fail("chunk line too long");
      this.#line += String.fromCharCode(byte);
    }
    return i;
  }

  #sizeLine(line: string): void {
    const digits = /^[0-9A-Fa-f]+/.exec(line)?.[0];
    if (!digits) fail("expected a hexadecimal chunk size");
    if (!EXTENSIONS.test(line.slice(digits.length))) {
      fail("invalid chunk extension");
    }
    const significant = digits.replace(/^0+(?=.)/, "");
    if (significant.length > MAX_SIZE_DIGITS) fail("chunk size too large");
    this.#remaining = parseInt(significant, 16);
    this.#state = this.#remaining === 0 ? "trailer" : "data";
  }

  #trailerLine(line: string): void {
    if (line === "") {
      this.#state = "done";
      return;
    }
    if (!TRAILER.test(line)) fail("invalid trailer field");
  }
}

function fail(reason: string): never {
  throw new BodyFramingError(`invalid chunked body: ${reason}`);
}
