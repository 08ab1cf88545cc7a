/**
 * The policy decision for one request: which rule allows or refuses a
 * host and port. Address checks come later, on the resolved addresses.
 *
 * @module
 */
import type { ProxyPolicy } from "../recipe/mod.ts";
import { blockedBy, type Blocklist } from "./blocklist.ts";
import { matchesHostPattern } from "./host_pattern.ts";

/** How the client asked: a CONNECT tunnel or a plain HTTP request. */
export type RequestKind = "connect" | "http";

/** The default port an allow rule without `ports` permits, per kind. */
export const DEFAULT_PORTS: Readonly<Record<RequestKind, number>> = {
  connect: 443,
  http: 80,
};

/** A policy decision and the rule that made it. */
export interface PolicyDecision {
  /** Whether the request may go on (to the address checks). */
  allowed: boolean;
  /** The deciding rule, e.g. `allow *.github.com ports 443`. */
  rule: string;
}

/** What {@linkcode decideRequest} judges. */
export interface PolicyQuestion {
  /** The normalised host name or IP literal text. */
  host: string;
  /** The destination port. */
  port: number;
  /** CONNECT or plain HTTP. */
  kind: RequestKind;
}

/**
 * Decides by the policy alone: deny patterns first, then block lists, then
 * the allow rules (host and port); anything else is denied.
 */
export function decideRequest(
  policy: Pick<ProxyPolicy, "allow" | "deny">,
  blocklist: Blocklist,
  question: PolicyQuestion,
): PolicyDecision {
  const { host, port, kind } = question;
  for (const pattern of policy.deny) {
    if (matchesHostPattern(pattern, host)) {
      return { allowed: false, rule: `deny ${pattern}` };
    }
  }
  const blocked = blockedBy(blocklist, host);
  if (blocked) {
    return {
      allowed: false,
      rule: `blocklist ${blocked.file}:${blocked.line}`,
    };
  }
  const matching = policy.allow.filter((rule) =>
    matchesHostPattern(rule.host, host)
  );
  for (const rule of matching) {
    const ports = rule.ports ?? [DEFAULT_PORTS[kind]];
    if (ports.includes(port)) {
      return { allowed: true, rule: `allow ${rule.host} ports ${ports}` };
    }
  }
  if (matching.length > 0) {
    const ports = [
      ...new Set(
        matching.flatMap((rule) => rule.ports ?? [DEFAULT_PORTS[kind]]),
      ),
    ];
    return {
      allowed: false,
      rule: `port ${port} not allowed for ${matching[0].host} (allowed: ${
        ports.join(", ")
      })`,
    };
  }
  return { allowed: false, rule: "no allow rule matches" };
}
