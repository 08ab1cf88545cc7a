/**
 * The dispatcher setup both transport tests use: three VMs in a runtime
 * registry, as `qubesify run` leaves it, each with a UNIX stand-in for its
 * vsock port of one service. "app" may use the service's socket; "other"
 * (a running VM without that service) may not; "gone" names the socket
 * too, but its QEMU has exited, so its record must not be believed.
 *
 * @module
 */
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
