/**
 * The line protocol of host → guest connections on a back-end's
 * `connectPath`: a local program sends `CONNECT <guest port>\n`; once the
 * guest accepts, the back-end answers `OK <host port>\n` and the socket
 * carries the stream; a refusal closes the socket unanswered. Bytes after
 * the request line are the stream's first bytes.
 *
 * The peer is a local program, not the guest, but the line is still read
 * with a bound: at most {@linkcode MAX_CONNECT_LINE} bytes, newline
 * included.
 *
 * @module
 */

/** The longest request or answer line, newline included. */
export const MAX_CONNECT_LINE = 32;

const NEWLINE = 0x0a;

/** What the bytes of a request read so far amount to. */
export type ConnectRequest =
  | {
    /** No newline yet, and room for more. */
    readonly kind: "partial";
  }
  | {
    /** A valid request for guest port `port`. */
    readonly kind: "connect";
    readonly port: number;
    /** Bytes after the newline: the start of the stream. */
    readonly rest: Uint8Array;
  }
  | {
    /** Not a request: close the socket. */
    readonly kind: "refused";
    readonly reason: string;
  };

/**
 * Parses the first bytes a local peer sent on `connectPath`, everything so
 * far; call again with more bytes while it answers `partial`.
 *
 * @example
 * ```ts
 * import { parseConnectRequest } from "./connect_request.ts";
 * parseConnectRequest(new TextEncoder().encode("CONNECT 5000\n"));
 * // { kind: "connect", port: 5000, rest: Uint8Array(0) }
 * ```
 */
export function parseConnectRequest(bytes: Uint8Array): ConnectRequest {
  const newline = bytes.subarray(0, MAX_CONNECT_LINE).indexOf(NEWLINE);
  if (newline === -1) {
    if (bytes.length < MAX_CONNECT_LINE) return { kind: "partial" };
    return {
      kind: "refused",
      reason: `host → guest request over ${MAX_CONNECT_LINE} bytes`,
    };
  }
  const line = new TextDecoder().decode(bytes.subarray(0, newline));
  const match = /^CONNECT (\d{1,10})$/.exec(line.trim());
  const port = match ? Number(match[1]) : NaN;
  if (!(port <= 0xffff_ffff)) {
    return {
      kind: "refused",
      reason: `bad host → guest request ${JSON.stringify(line)}`,
    };
  }
  return { kind: "connect", port, rest: bytes.slice(newline + 1) };
}

/** The request line for guest port `port`. */
export function encodeConnectRequest(port: number): Uint8Array {
  return new TextEncoder().encode(`CONNECT ${port}\n`);
}

/** The answer once the guest accepted, naming the host-side port. */
export function encodeConnectAnswer(hostPort: number): Uint8Array {
  return new TextEncoder().encode(`OK ${hostPort}\n`);
}

/** Whether `line` (without its newline) is the back-end's answer. */
export function isConnectAnswer(line: string): boolean {
  return /^OK \d+$/.test(line);
}
