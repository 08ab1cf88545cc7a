/**
 * Guest output is untrusted: before it reaches the user's terminal, every
 * character that could steer the terminal or disguise text is neutralised.
 *
 * - C0 and C1 controls other than tab and newline, and DEL, become U+FFFD:
 *   no escape sequence survives, so no colours either (keeping SGR alone
 *   would need a parser, and colours can still hide text).
 * - Bidirectional overrides, embeddings, isolates and marks become U+FFFD,
 *   so text cannot read differently from what it is.
 * - A carriage return cannot return to the start of the line, where the
 *   guest could overwrite what is shown: CR LF becomes LF (serial consoles
 *   send it), and any other CR a newline (progress bars stay readable).
 *
 * The result does not depend on how the bytes are split into chunks.
 *
 * @module
 */

// Matching control characters is the point here.
const FORBIDDEN =
  // deno-lint-ignore no-control-regex
  /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A streaming filter: feed it guest bytes, get printable text back.
 *
 * @example
 * ```ts
 * import { createSanitizer } from "./sanitize.ts";
 * const clean = createSanitizer();
 * clean(new TextEncoder().encode("50%\r100%\r\n")); // "50%\n100%\n"
 * ```
 */
export function createSanitizer(): (bytes: Uint8Array) => string {
  const decoder = new TextDecoder("utf-8", { fatal: false });
  // The previous text ended in CRs: the next character decides what they were.
  let crPending = false;
  return (bytes) => {
    let text = decoder.decode(bytes, { stream: true });
    if (text === "") return "";
    if (crPending && text[0] !== "\r" && text[0] !== "\n") text = `\n${text}`;
    crPending = text.endsWith("\r");
    return text
      .replace(
        /\r+\n?/g,
        (run, offset: number) =>
          run.endsWith("\n") || offset + run.length < text.length ? "\n" : "",
      )
      .replace(FORBIDDEN, "\ufffd");
  };
}
