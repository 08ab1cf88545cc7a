/**
 * Reading what the guest init reported on the control port. The bytes come
 * from the guest, so only two exact line shapes are accepted and everything
 * else is ignored.
 *
 * @module
 */

/** The app's fate as the guest init reported it. */
export type ControlReport =
  | { kind: "exit"; status: number }
  | { kind: "fail"; reason: string }
  | { kind: "none" };

/** More than this is not a report the init wrote. */
const MAX_REPORT_BYTES = 4096;

/** Parses the control port's output; the first valid line wins. */
export function parseControlReport(bytes: Uint8Array): ControlReport {
  const text = new TextDecoder("utf-8", { fatal: false }).decode(
    bytes.subarray(0, MAX_REPORT_BYTES),
  );
  for (const line of text.split("\n")) {
    const exit = /^exit ([0-9]{1,3})$/.exec(line);
    if (exit && Number(exit[1]) <= 255) {
      return { kind: "exit", status: Number(exit[1]) };
    }
    const fail = /^fail ([\x20-\x7e]{1,200})$/.exec(line);
    if (fail) return { kind: "fail", reason: fail[1] };
  }
  return { kind: "none" };
}
