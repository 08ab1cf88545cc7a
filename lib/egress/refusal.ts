/**
 * How the proxy says no: a {@linkcode Refusal} carries the status, the
 * rule for the log record and a short reason, and {@linkcode answer}
 * sends it to the client as a small `Connection: close` response.
 *
 * @module
 */
import { QubesifyError } from "../errors/mod.ts";
import { writeAll } from "../io/mod.ts";
import { withTimeout } from "../exec/mod.ts";

/**
 * A request the proxy answers itself: the status to answer, the record's
 * rule, and the reason the client reads. `decision` is "allow" when the
 * policy let the request through and reaching the destination failed.
 */
export class Refusal extends QubesifyError {
  /** Keeps what the answer and the log record need. */
  constructor(
    readonly status: number,
    readonly rule: string,
    readonly reason: string,
    readonly decision: "allow" | "deny" = "deny",
  ) {
    super(reason);
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  403: "Forbidden",
  408: "Request Timeout",
  431: "Request Header Fields Too Large",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
  505: "HTTP Version Not Supported",
};

const encoder = new TextEncoder();

/**
 * Answers with a short text reason and closes our side, then reads what
 * the client still sends for a moment: closing with unread bytes would
 * reset the connection and the client might never see the answer.
 */
export async function answer(
  conn: Deno.Conn,
  status: number,
  reason: string,
): Promise<void> {
  const body = encoder.encode(`${reason}\n`);
  const head = `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Error"}\r\n` +
    "Content-Type: text/plain; charset=utf-8\r\n" +
    `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
  const bytes = new Uint8Array(head.length + body.length);
  bytes.set(encoder.encode(head));
  bytes.set(body, head.length);
  try {
    await writeAll(conn, bytes);
    await conn.closeWrite();
  } catch {
    return;
  }
  const deadline = Date.now() + 1000;
  const sink = new Uint8Array(16 * 1024);
  let drained = 0;
  while (drained < 1024 * 1024) {
    const read = await withTimeout(conn.read(sink), deadline - Date.now())
      .catch(() => null);
    if (read === null || read === "timeout") break;
    drained += read;
  }
}
