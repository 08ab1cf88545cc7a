/**
 * The log entry of one routing decision, shared by the dispatcher and the
 * host forwarder: one JSON object per connection, allowed or denied.
 *
 * @module
 */

import type { ServiceName } from "../guest/mod.ts";

/** One routing decision. */
export interface RelayDecision {
  /** When it was made (ISO 8601). */
  readonly time: string;
  /** The engine's connection id; its end is reported under the same id. */
  readonly connection: number;
  /** Which relay decided. */
  readonly relay: "dispatcher" | "forwarder";
  /** `direct`: the peer is the VM; `forwarded`: a header named the VM. */
  readonly via: "direct" | "forwarded";
  /** The address the connection came in on (`vsock:4294967295:7000`). */
  readonly listener: string;
  /** The connecting peer (`vsock:5:1234`, or a UNIX stand-in's CID). */
  readonly peer: string;
  /** The VM's CID, when it could be told. */
  readonly cid?: number;
  /** The service port, when it could be told. */
  readonly port?: number;
  /** Allowed or denied. */
  readonly decision: "allow" | "deny";
  /** The VM, when known. */
  readonly vm?: string;
  /** The service, when the port is one. */
  readonly service?: ServiceName;
  /** Where it was sent (`unix:/run/...`, `vsock:3:7100`). */
  readonly target?: string;
  /** Why it was denied. */
  readonly reason?: string;
  /**
   * On a summary of refusals (see refusal_log.ts): how many refusals of
   * this kind (relay, CID, port, reason) were not reported one by one
   * since the last that was; `connection` is the last of them.
   */
  readonly repeated?: number;
}

/** `decision` as one line for a terminal or a log file. */
export function formatDecision(decision: RelayDecision): string {
  const who = [
    decision.cid !== undefined ? `cid ${decision.cid}` : decision.peer,
    decision.vm ? `(${decision.vm})` : "",
  ].filter(Boolean).join(" ");
  const what = decision.service ??
    (decision.port !== undefined ? `port ${decision.port}` : "?");
  return decision.decision === "allow"
    ? `allow #${decision.connection} ${who} → ${what} at ${decision.target}`
    : `deny #${decision.connection} ${who} → ${what}: ${decision.reason}${
      decision.repeated ? ` (${decision.repeated} times)` : ""
    }`;
}
