/**
 * Reaching an allowed destination: every address is checked against the
 * always-deny ranges, names are resolved once, and the proxy connects to
 * exactly an address it checked. Failures are {@linkcode Refusal}s with
 * the status to answer (403, 502, 504) and the rule for the log record.
 *
 * @module
 */
import { errorMessage } from "../errors/mod.ts";
import { closeQuietly } from "../io/mod.ts";
import { deniedRange } from "./address_ranges.ts";
import { formatIpAddress, type IpAddress } from "./ip_address.ts";
import type { EgressRecord } from "./log_record.ts";
import { Refusal } from "./refusal.ts";
import type { RequestTarget } from "./request_target.ts";
import type { Resolve } from "./resolver.ts";
import { withTimeout } from "../exec/mod.ts";

/** The parts of the log record these steps fill in. */
type DestinationRecord = Pick<EgressRecord, "address" | "rule">;

/**
 * Refuses `address` when it is in an always-deny range (loopback, private,
 * link-local, the host's own `own` addresses…); the record names it.
 */
export function checkAddress(
  address: IpAddress,
  own: IpAddress[],
  record: DestinationRecord,
): void {
  const denied = deniedRange(address, own);
  if (!denied) return;
  const text = formatIpAddress(address);
  record.address = text;
  const rule = `always-deny ${denied.category} ${denied.range}`;
  record.rule = rule;
  throw new Refusal(403, rule, `${text} is a ${denied.category} address`);
}

/** The target's addresses: its literal, or its name resolved in time. */
export async function resolveDestination(
  target: RequestTarget,
  resolve: Resolve,
  timeoutMs: number,
): Promise<IpAddress[]> {
  if (target.host.kind === "address") return [target.host.address];
  const timeout = AbortSignal.timeout(timeoutMs);
  let addresses: IpAddress[];
  try {
    addresses = await resolve(target.host.name, timeout);
  } catch (error) {
    const why = timeout.aborted ? "timed out" : errorMessage(error);
    throw new Refusal(
      timeout.aborted ? 504 : 502,
      `cannot resolve: ${why}`,
      `cannot resolve ${target.host.name}`,
      "allow",
    );
  }
  if (addresses.length === 0) {
    throw new Refusal(
      502,
      "cannot resolve: no addresses",
      `${target.host.name} has no addresses`,
      "allow",
    );
  }
  return addresses;
}

/**
 * Connects to the first of `addresses` that answers within `timeoutMs`
 * in all; the record names the address tried last.
 */
export async function connectDestination(
  addresses: IpAddress[],
  port: number,
  timeoutMs: number,
  record: DestinationRecord,
): Promise<Deno.Conn> {
  const deadline = Date.now() + timeoutMs;
  let why = "";
  for (const address of addresses) {
    const text = formatIpAddress(address);
    record.address = text;
    const attempt = Deno.connect({ transport: "tcp", hostname: text, port });
    let result: Deno.Conn | "timeout";
    try {
      result = await withTimeout(attempt, deadline - Date.now());
    } catch (error) {
      why = errorMessage(error);
      continue;
    }
    if (result === "timeout") {
      attempt.then(closeQuietly, () => {});
      why = "connect timed out";
      break;
    }
    return result;
  }
  throw new Refusal(
    why === "connect timed out" ? 504 : 502,
    `cannot connect: ${why}`,
    `cannot connect to port ${port}`,
    "allow",
  );
}
