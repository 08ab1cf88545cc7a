/**
 * The destination of a proxy request: `host:port` for CONNECT, an
 * `http://` absolute URI for plain HTTP. Userinfo, fragments, https URIs
 * (those go through CONNECT) and origin-form targets are refused.
 *
 * @module
 */
import { HostNameError, normalizeHost, type RequestHost } from "./host_name.ts";
import type { RequestKind } from "./policy.ts";
import { QubesifyError } from "../errors/mod.ts";

/** Where a request goes. */
export interface RequestTarget {
  /** CONNECT or plain HTTP. */
  kind: RequestKind;
  /** The normalised host. */
  host: RequestHost;
  /** The destination port. */
  port: number;
  /** For plain HTTP: the origin-form path and query to send upstream. */
  path: string;
}

/** The target cannot be used; `status` is the HTTP status to answer. */
export class TargetError extends QubesifyError {
  /** The status to answer (400 or 403). */
  readonly status: number;
  /** Says what is wrong with the target. */
  constructor(message: string, status = 400) {
    super(message);
    this.status = status;
  }
}

/** Splits `host:port` / `[v6]:port`; the port text may be absent. */
function splitAuthority(authority: string): { host: string; port?: string } {
  if (authority.includes("@")) {
    throw new TargetError("user information in the target is not allowed");
  }
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    if (close < 0) throw new TargetError("unterminated IPv6 literal");
    const rest = authority.slice(close + 1);
    if (rest !== "" && !rest.startsWith(":")) {
      throw new TargetError("expected :port after the IPv6 literal");
    }
    return {
      host: authority.slice(0, close + 1),
      port: rest === "" ? undefined : rest.slice(1),
    };
  }
  const colon = authority.lastIndexOf(":");
  if (colon < 0) return { host: authority };
  if (authority.indexOf(":") !== colon) {
    throw new TargetError("IPv6 literals must be in brackets: [2001:db8::1]");
  }
  return { host: authority.slice(0, colon), port: authority.slice(colon + 1) };
}

function parsePort(text: string): number {
  if (!/^[0-9]{1,5}$/.test(text)) {
    throw new TargetError("expected a port number from 1 to 65535");
  }
  const port = Number(text);
  if (port < 1 || port > 65535) {
    throw new TargetError("expected a port number from 1 to 65535");
  }
  return port;
}

function host(text: string): RequestHost {
  if (text.includes("%")) {
    throw new TargetError("percent-encoded host names are not allowed");
  }
  try {
    return normalizeHost(text);
  } catch (error) {
    if (error instanceof HostNameError) throw new TargetError(error.message);
    throw error;
  }
}

/** Reads the target of a request; throws {@linkcode TargetError}. */
export function parseRequestTarget(
  method: string,
  target: string,
): RequestTarget {
  if (method === "CONNECT") {
    const parts = splitAuthority(target);
    if (parts.port === undefined) {
      throw new TargetError("CONNECT needs host:port");
    }
    return {
      kind: "connect",
      host: host(parts.host),
      port: parsePort(parts.port),
      path: "",
    };
  }
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(target);
  if (!scheme) {
    throw new TargetError(
      "this is a proxy: send an absolute http:// URI or use CONNECT",
    );
  }
  if (scheme[1].toLowerCase() === "https") {
    throw new TargetError("https goes through CONNECT, not a plain request");
  }
  if (scheme[1].toLowerCase() !== "http") {
    // Not echoed: the scheme is the client's text, of any length.
    throw new TargetError("unsupported scheme: use http:// or CONNECT");
  }
  const rest = target.slice(scheme[0].length);
  if (rest.includes("#")) throw new TargetError("fragments are not allowed");
  const end = rest.search(/[/?]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const path = end < 0
    ? "/"
    : rest[end] === "?"
    ? `/${rest.slice(end)}`
    : rest.slice(end);
  if (authority.includes("\\")) {
    throw new TargetError("backslashes are not allowed in the authority");
  }
  const parts = splitAuthority(authority);
  return {
    kind: "http",
    host: host(parts.host),
    port: parts.port === undefined || parts.port === ""
      ? 80
      : parsePort(parts.port),
    path,
  };
}
