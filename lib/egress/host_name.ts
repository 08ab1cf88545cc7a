/**
 * Normalising the host a client asks for: lowercase, one trailing dot
 * dropped, plain ASCII labels only, IP literals recognised and parsed
 * strictly. Anything ambiguous (numeric names like "127.1", non-ASCII
 * names, empty labels) is refused, because the policy and the resolver
 * must agree on exactly which host is meant.
 *
 * @module
 */
import { type IpAddress, parseIpv4, parseIpv6 } from "./ip_address.ts";
import { QubesifyError } from "../errors/mod.ts";

/** A host as the proxy understands it. */
export type RequestHost =
  | { kind: "name"; name: string }
  | { kind: "address"; name: string; address: IpAddress };

/** The host text is not a usable host; `message` says why. */
export class HostNameError extends QubesifyError {
  /** Says what is wrong with the host. */
  constructor(message: string) {
    super(message);
  }
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const NUMERIC_LABEL = /^(?:[0-9]+|0x[0-9a-f]*)$/;

/**
 * Parses a host from a request (`[v6]` brackets included when present) and
 * returns its normal form; throws {@linkcode HostNameError}.
 */
export function normalizeHost(text: string): RequestHost {
  if (text.startsWith("[")) {
    if (!text.endsWith("]")) {
      throw new HostNameError("unterminated IPv6 literal");
    }
    const inner = text.slice(1, -1);
    if (inner.includes("%")) {
      throw new HostNameError("IPv6 zone identifiers are not allowed");
    }
    const address = parseIpv6(inner);
    if (!address) throw new HostNameError("invalid IPv6 literal");
    return { kind: "address", name: inner.toLowerCase(), address };
  }
  if (text.length === 0) throw new HostNameError("empty host");
  if (/[^\x21-\x7e]/.test(text)) {
    throw new HostNameError(
      "host names must be ASCII; use the punycode (xn--) form",
    );
  }
  let name = text.toLowerCase();
  if (name.endsWith(".")) name = name.slice(0, -1);
  if (name.length === 0 || name.length > 253) {
    throw new HostNameError("host name length must be 1 to 253");
  }
  const v4 = parseIpv4(name);
  if (v4) return { kind: "address", name, address: v4 };
  const labels = name.split(".");
  for (const label of labels) {
    if (!LABEL.test(label)) {
      throw new HostNameError(
        "host names are letters, digits, dashes and dots only",
      );
    }
  }
  if (NUMERIC_LABEL.test(labels[labels.length - 1])) {
    throw new HostNameError(
      "numeric host names are not allowed; write IPv4 addresses as a.b.c.d",
    );
  }
  return { kind: "name", name };
}
