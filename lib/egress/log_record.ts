/**
 * The proxy's request log: one JSON object per line, one line per request
 * (or per burst of identical refusals, with a count). Nothing a client
 * sent goes into a record as raw text: methods are logged only when they
 * are one of the known ones, hosts only in their normal form. Reading is
 * defensive (the file may hold partial or foreign lines), and printing
 * neutralises control and direction-changing characters.
 *
 * @module
 */

/** One request, as logged when it ends. */
export interface EgressRecord {
  /** When the request arrived (ISO 8601). */
  time: string;
  /** The VM the proxy serves, or null for a standalone proxy. */
  vm: string | null;
  /**
   * The request method when the request line was valid: a known method,
   * or `OTHER(n)` for any other of n characters.
   */
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
  /**
   * How many identical refusals this record stands for, when more than
   * one (repeats within a second are logged once).
   */
  count?: number;
}

/** Methods logged as they are; any other is logged as `OTHER(length)`. */
const KNOWN_METHODS = new Set([
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "DELETE",
  "CONNECT",
  "OPTIONS",
  "TRACE",
  "PATCH",
  "PROPFIND",
  "PROPPATCH",
  "MKCOL",
  "COPY",
  "MOVE",
  "LOCK",
  "UNLOCK",
  "REPORT",
]);

/**
 * The method as the log shows it. Any token is a valid method, backticks
 * and dollars included, so a method is logged only when it is a known
 * one: the log may end up where something reads it carelessly.
 */
export function loggedMethod(method: string): string {
  return KNOWN_METHODS.has(method) ? method : `OTHER(${method.length})`;
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

// Control characters (C0, DEL, C1), format characters (the bidi overrides
// and isolates, zero-width ones) and the line and paragraph separators.
const UNPRINTABLE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

function clean(value: unknown): string {
  return value === null || value === undefined
    ? "-"
    : String(value).replace(UNPRINTABLE, "?");
}

/**
 * One record as a line for people: time, VM, decision, request, rule,
 * sizes. The log may hold foreign lines, so every field is treated as
 * untrusted text.
 */
export function formatRecord(record: EgressRecord): string {
  const host = record.host === null || record.host === undefined
    ? undefined
    : String(record.host);
  const target = host === undefined
    ? "-"
    : host.includes(":")
    ? `[${host}]:${record.port}`
    : `${host}:${record.port}`;
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
  if (record.count !== undefined) fields.push(`count=${clean(record.count)}`);
  if (record.error) fields.push(`error: ${clean(record.error)}`);
  return fields.join(" ");
}
