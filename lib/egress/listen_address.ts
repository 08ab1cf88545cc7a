/**
 * The proxy's `--listen` argument: `ADDRESS:PORT` for TCP (`[v6]:PORT` for
 * IPv6) or an absolute path (optionally `unix:PATH`) for a UNIX socket.
 *
 * @module
 */
import { QubesifyError } from "../errors/mod.ts";
import { parseIpv4, parseIpv6 } from "./ip_address.ts";

/** Where the proxy listens. */
export type ListenAddress =
  | { hostname: string; port: number }
  | { path: string };

/** `--listen` is none of the accepted forms. */
export class ListenAddressError extends QubesifyError {}

/**
 * Parses `--listen`; throws a {@linkcode ListenAddressError} that shows
 * the accepted forms.
 */
export function parseListenAddress(text: string): ListenAddress {
  const forms =
    "expected ADDRESS:PORT like 127.0.0.1:3128 or [::1]:3128, or a UNIX socket path like /run/user/1000/proxy.sock";
  const path = text.startsWith("unix:") ? text.slice(5) : text;
  if (path.startsWith("/")) return { path };
  const match = /^(?:\[([^\]]+)\]|([^:\[\]]+)):([0-9]{1,5})$/.exec(text);
  if (!match) throw new ListenAddressError(`--listen "${text}": ${forms}`);
  const hostname = match[1] ?? match[2];
  const valid = match[1] ? parseIpv6(hostname) : parseIpv4(hostname);
  if (!valid) {
    throw new ListenAddressError(
      `--listen "${text}": "${hostname}" is not an IP address; ${forms}`,
    );
  }
  const port = Number(match[3]);
  if (port > 65535) {
    throw new ListenAddressError(
      `--listen "${text}": port must be from 0 to 65535`,
    );
  }
  return { hostname, port };
}

/**
 * An address as messages show it: `ADDRESS:PORT` (`[v6]:PORT`) or the
 * socket path.
 */
export function formatListenAddress(addr: ListenAddress | Deno.Addr): string {
  if ("path" in addr) return addr.path;
  if ("hostname" in addr) {
    return addr.hostname.includes(":")
      ? `[${addr.hostname}]:${addr.port}`
      : `${addr.hostname}:${addr.port}`;
  }
  return addr.transport;
}
