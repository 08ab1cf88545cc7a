/**
 * The dispatcher setup both transport tests use: three VMs in a runtime
 * registry, as `qubesify run` leaves it, each with a UNIX stand-in for its
 * vsock port of one service. "app" may use the service's socket; "other"
 * (a running VM without that service) may not; "gone" names the socket
 * too, but its QEMU has exited, so its record must not be believed.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  registryAccessSource,
  type Relay,
  type RelayDecision,
  startDispatcher,
} from "../../lib/relay/mod.ts";
import type { ServiceName } from "../../lib/guest/mod.ts";
import { SERVICE_PORTS } from "../../lib/guest/mod.ts";
import { deadPid, writeVmRecords } from "./vm_registry.ts";

/** The VM allowed the service. */
export const APP_CID = 5;
/** A live VM without the service. */
export const OTHER_CID = 6;
/** A VM whose record names the service but whose QEMU is gone. */
export const STALE_CID = 7;

/** A running dispatcher with the three VMs' stand-ins. */
export interface ThreeVmDispatcher {
  /** The dispatcher; close it when done. */
  relay: Relay;
  /** Every decision it made, in order. */
  decisions: RelayDecision[];
  /** The stand-in socket of VM `cid`'s service port. */
  standIn(cid: number): string;
}

/**
 * Writes the records under `dir/runtime` and starts the dispatcher with a
 * stand-in per VM for `service`'s port, in `dir`.
 */
export async function startThreeVmDispatcher(options: {
  dir: string;
  service: ServiceName;
  socket: string;
}): Promise<ThreeVmDispatcher> {
  const { dir, service, socket } = options;
  const port = SERVICE_PORTS[service];
  const standIn = (cid: number) => join(dir, `vsock-${cid}-${port}.sock`);
  const registry = join(dir, "runtime");
  await writeVmRecords(registry, [
    { name: "app", cid: APP_CID, services: { [service]: socket } },
    { name: "other", cid: OTHER_CID, services: {} },
    {
      name: "gone",
      cid: STALE_CID,
      services: { [service]: socket },
      pid: await deadPid(),
    },
  ]);
  const decisions: RelayDecision[] = [];
  const relay = await startDispatcher({
    listeners: [APP_CID, OTHER_CID, STALE_CID].map((cid) => ({
      unixPath: standIn(cid),
      peerCid: cid,
      port,
    })),
    vms: registryAccessSource(registry),
    onDecision: (decision) => decisions.push(decision),
  });
  return { relay, decisions, standIn };
}

/** A VM the dispatcher must refuse, and the reason it must give. */
export interface Refusal {
  /** Which VM, in words. */
  who: string;
  /** Its CID. */
  cid: number;
  /** Matches the decision's reason. */
  reason: RegExp;
}

/** The VMs of the setup that must be refused `service`. */
export function refusals(service: ServiceName): Refusal[] {
  return [
    {
      who: "a running VM without the service",
      cid: OTHER_CID,
      reason: new RegExp(`other may not use ${service}`),
    },
    {
      who: "a stale record's CID",
      cid: STALE_CID,
      reason: new RegExp(`unknown CID ${STALE_CID}`),
    },
  ];
}

/**
 * Asserts that the dispatcher decided at least once and refused every
 * connection: from `cid`, for `service`, for a reason matching `reason`,
 * with no target. `context` goes into the message when it made none.
 */
export function assertAllRefused(
  decisions: readonly RelayDecision[],
  expected: { cid: number; service: ServiceName; reason: RegExp },
  context = "",
): void {
  assert.ok(decisions.length >= 1, `no decision${context}`);
  for (const decision of decisions) {
    assert.equal(decision.decision, "deny");
    assert.equal(decision.cid, expected.cid);
    assert.equal(decision.service, expected.service);
    assert.equal(decision.target, undefined);
    assert.match(decision.reason ?? "", expected.reason);
  }
}
