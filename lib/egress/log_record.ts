/**
 * The proxy's request log: one JSON object per line, one line per request.
 * Reading is defensive (the file may hold partial or foreign lines), and
 * printing strips control characters.
 *
 * @module
 */

/** One request, as logged when it ends. */
export interface EgressRecord {
  /** When the request arrived (ISO 8601). */
  time: string;
  /** The VM the proxy serves, or null for a standalone proxy. */
  vm: string | null;
  /** The request method, when the request line was valid. */
  method: string | null;
  /** The normalised host, when the target was valid. */
  host: string | null;
  /** The destination port, when the target was valid. */
  port: number | null;
  /** The address connected to, or the one that was refused. */
  address: string | null;
  /** Whether the proxy let the request through. */
  decision: "allow" | "deny";
  /** The rule or check that decided. */
  rule: string;
  /** The status the proxy answered itself (200 for a tunnel), or null. */
  status: number | null;
  /** What went wrong after the decision (resolution, connect, timeout). */
  error: string | null;
  /** Bytes from the client to the destination. */
  bytes_up: number;
  /** Bytes from the destination to the client. */
  bytes_down: number;
  /** From arrival to end, in milliseconds. */
  duration_ms: number;
}

/** Parses one log line; undefined when it is not a record. */
export function parseRecordLine(line: string): EgressRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (
    typeof record.time !== "string" ||
    (record.decision !== "allow" && record.decision !== "deny") ||
    typeof record.rule !== "string"
  ) {
    return undefined;
  }
  return record as unknown as EgressRecord;
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;

function clean(value: unknown): string {
  return value === null || value === undefined
    ? "-"
    : String(value).replace(CONTROL, "?");
}

/** One record as a line for people: time, VM, decision, request, rule, sizes. */
export function formatRecord(record: EgressRecord): string {
  const target = record.host === null
    ? "-"
    : record.host.includes(":")
    ? `[${record.host}]:${record.port}`
    : `${record.host}:${record.port}`;
  const fields = [
    clean(record.time),
    clean(record.vm),
    clean(record.decision),
    clean(record.method),
    clean(target),
    clean(record.address),
    clean(record.status),
    `up=${clean(record.bytes_up)}`,
    `down=${clean(record.bytes_down)}`,
    `${clean(record.duration_ms)}ms`,
    clean(record.rule),
  ];
  if (record.error) fields.push(`error: ${clean(record.error)}`);
  return fields.join(" ");
}
