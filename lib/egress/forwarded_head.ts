/**
 * Rewriting a plain HTTP request's head for the origin server.
 *
 * @module
 */
import { headerValues, type RequestHead } from "./request_head.ts";
import type { RequestTarget } from "./request_target.ts";

// Fields that concern only the client-proxy hop, and Host, which is set anew.
const HOP_BY_HOP = new Set([
  "connection",
  "proxy-connection",
  "keep-alive",
  "proxy-authorization",
  "proxy-authenticate",
  "te",
  "trailer",
  "upgrade",
  "host",
]);

/**
 * The head sent upstream for a plain HTTP request: origin-form target, a
 * Host naming the checked destination, no hop-by-hop fields (the client's
 * proxy credentials stay here), and `Connection: close`, so the upstream
 * serves one request per connection and every request is checked and
 * logged on its own.
 */
export function forwardedHead(
  head: RequestHead,
  target: RequestTarget,
): string {
  const listed = new Set(
    headerValues(head.headers, "connection").flatMap((value) =>
      value.split(",").map((name) => name.trim().toLowerCase())
    ),
  );
  const host =
    target.host.kind === "address" && target.host.address.family === 6
      ? `[${target.host.name}]`
      : target.host.name;
  const lines = [
    `${head.method} ${target.path} HTTP/1.1`,
    target.port === 80 ? `Host: ${host}` : `Host: ${host}:${target.port}`,
  ];
  for (const [name, value] of head.headers) {
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || listed.has(lower)) continue;
    lines.push(`${name}: ${value}`);
  }
  lines.push("Connection: close");
  return lines.join("\r\n") + "\r\n\r\n";
}
