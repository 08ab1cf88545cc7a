/**
 * Parsing an HTTP/1.x request head from the bytes a client sent so far.
 * Strict on purpose: the client is an untrusted VM, and anything the proxy
 * and an origin server could read differently (bare LF, folded headers,
 * conflicting lengths, control bytes) is refused rather than repaired.
 *
 * @module
 */

/** One parsed request head. */
export interface RequestHead {
  /** The method token, as sent (methods are case-sensitive). */
  method: string;
  /** The request target, as sent. */
  target: string;
  /** "HTTP/1.0" or "HTTP/1.1". */
  version: string;
  /** Header fields in order; names as sent. */
  headers: [string, string][];
}

/** Limits on a request head. */
export interface HeadLimits {
  /** Most bytes of the whole head, CRLFCRLF included. */
  maxHeadBytes: number;
  /** Most header fields. */
  maxHeaders: number;
}

/** The defaults: 16 KiB heads, 100 fields. */
export const DEFAULT_HEAD_LIMITS: HeadLimits = {
  maxHeadBytes: 16 * 1024,
  maxHeaders: 100,
};

/** What one parse attempt gives. */
export type HeadParse =
  | { kind: "incomplete" }
  | { kind: "invalid"; status: number; reason: string }
  | { kind: "complete"; head: RequestHead; length: number };

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const TARGET = /^[\x21-\x7e]+$/;
// Field values: visible ASCII, obs-text, spaces and tabs; no CR, LF or NUL.
const VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

function indexOfEnd(buffer: Uint8Array, limit: number): number {
  const end = Math.min(buffer.length, limit);
  for (let i = 3; i < end; i++) {
    if (
      buffer[i] === 0x0a && buffer[i - 1] === 0x0d && buffer[i - 2] === 0x0a &&
      buffer[i - 3] === 0x0d
    ) {
      return i + 1;
    }
  }
  return -1;
}

/**
 * Parses the head at the start of `buffer`. Incomplete until the blank
 * line arrives; invalid (with the status to answer) when malformed or over
 * the limits.
 */
export function parseRequestHead(
  buffer: Uint8Array,
  limits: HeadLimits = DEFAULT_HEAD_LIMITS,
): HeadParse {
  const length = indexOfEnd(buffer, limits.maxHeadBytes);
  if (length < 0) {
    if (buffer.length >= limits.maxHeadBytes) {
      return invalid(431, "request head too large");
    }
    // A bare LF line ending can be judged now instead of waiting for more.
    const lf = buffer.indexOf(0x0a);
    if (lf === 0 || (lf > 0 && buffer[lf - 1] !== 0x0d)) {
      return invalid(400, "lines must end with CRLF");
    }
    return { kind: "incomplete" };
  }
  const text = latin1(buffer.subarray(0, length - 4));
  const lines = text.split("\r\n");
  for (const line of lines) {
    if (line.includes("\n") || line.includes("\r")) {
      return invalid(400, "lines must end with CRLF");
    }
  }
  const requestLine = lines[0].split(" ");
  if (requestLine.length !== 3) {
    return invalid(
      400,
      "expected a request line like CONNECT host:443 HTTP/1.1",
    );
  }
  const [method, target, version] = requestLine;
  if (!TOKEN.test(method)) return invalid(400, "invalid method");
  if (!TARGET.test(target)) return invalid(400, "invalid request target");
  if (version !== "HTTP/1.1" && version !== "HTTP/1.0") {
    return invalid(505, "only HTTP/1.0 and HTTP/1.1 are supported");
  }
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    if (line.startsWith(" ") || line.startsWith("\t")) {
      return invalid(400, "folded header lines are not allowed");
    }
    const colon = line.indexOf(":");
    if (colon <= 0) return invalid(400, "header line without a name");
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return invalid(400, "invalid header name");
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (!VALUE.test(value)) return invalid(400, "invalid header value");
    headers.push([name, value]);
    if (headers.length > limits.maxHeaders) {
      return invalid(431, "too many header fields");
    }
  }
  const framing = checkFraming(headers);
  if (framing) return framing;
  return {
    kind: "complete",
    head: { method, target, version, headers },
    length,
  };
}

/** Refuses bodies whose length the proxy and the server could disagree on. */
function checkFraming(headers: [string, string][]): HeadParse | undefined {
  const lengths = headerValues(headers, "content-length");
  const encodings = headerValues(headers, "transfer-encoding");
  if (lengths.length > 0 && encodings.length > 0) {
    return invalid(400, "both Content-Length and Transfer-Encoding");
  }
  if (lengths.length > 0) {
    const values = new Set(
      lengths.flatMap((v) => v.split(",")).map((v) => v.trim()),
    );
    if (values.size !== 1 || !/^[0-9]{1,15}$/.test([...values][0])) {
      return invalid(400, "invalid Content-Length");
    }
  }
  if (encodings.length > 0) {
    const codings = encodings.flatMap((v) => v.split(",")).map((v) =>
      v.trim().toLowerCase()
    );
    if (codings.length !== 1 || codings[0] !== "chunked") {
      return invalid(400, "only Transfer-Encoding: chunked is supported");
    }
  }
  return undefined;
}

/** Every value of the header `name` (case-insensitive). */
export function headerValues(
  headers: readonly [string, string][],
  name: string,
): string[] {
  const lower = name.toLowerCase();
  return headers.filter(([key]) => key.toLowerCase() === lower).map(([, v]) =>
    v
  );
}

function invalid(status: number, reason: string): HeadParse {
  return { kind: "invalid", status, reason };
}

function latin1(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    text += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return text;
}
