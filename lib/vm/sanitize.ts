/**
 * Guest output is untrusted: before it reaches the user's terminal, every
 * control character that could steer the terminal (escape sequences, C1
 * controls) is replaced. Tabs, newlines and carriage returns stay.
 *
 * @module
 */

// Matching control characters is the point here.
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/g;

/** A streaming filter: feed it guest bytes, get printable text back. */
export function createSanitizer(): (bytes: Uint8Array) => string {
  const decoder = new TextDecoder("utf-8", { fatal: false });
  return (bytes) =>
    decoder.decode(bytes, { stream: true }).replace(CONTROL, "\ufffd");
}
