/**
 * Reading what the guest init reported on the control port. The bytes come
 * from the guest, so only two exact line shapes are accepted, each ended
 * by a newline inside the first {@linkcode MAX_REPORT_BYTES}, and
 * everything else is ignored: a line cut off by that bound (or by the end
 * of the stream) may be a longer one, `exit 35` read as `exit 3`.
 *
 * @module
 */

/** The app's fate as the guest init reported it. */
export type ControlReport =
  | { kind: "exit"; status: number }
  | { kind: "fail"; reason: string }
  | { kind: "none" };

/** More than this is not a report the init wrote. */
export const MAX_REPORT_BYTES = 4096;

/** The longest `fail` reason accepted. */
export const MAX_FAIL_REASON = 200;

const NEWLINE = 0x0a;
const EXIT_LINE = /^exit ([0-9]{1,3})$/;
const FAIL_LINE = new RegExp(`^fail ([\\x20-\\x7e]{1,${MAX_FAIL_REASON}})$`);

/** Parses the control port's output; the first valid line wins. */
export function parseControlReport(bytes: Uint8Array): ControlReport {
  const window = bytes.subarray(0, MAX_REPORT_BYTES);
  const complete = window.subarray(0, window.lastIndexOf(NEWLINE) + 1);
  const text = new TextDecoder("utf-8", { fatal: false }).decode(complete);
  for (const line of text.split("\n")) {
    const exit = EXIT_LINE.exec(line);
    if (exit && Number(exit[1]) <= 255) {
      return { kind: "exit", status: Number(exit[1]) };
    }
    const fail = FAIL_LINE.exec(line);
    if (fail) return { kind: "fail", reason: fail[1] };
  }
  return { kind: "none" };
}
