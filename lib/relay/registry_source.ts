/**
 * The local topology's policy: the runtime registry `qubesify run` writes
 * (`<runtime>/<vm>/vm.json`, see lib/state/vm_records.ts). It is re-read
 * for every connection, so VMs come and go without restarting the
 * dispatcher, and records of dead VMs are never trusted.
 *
 * @module
 */

import { readLiveVmRecords } from "../state/mod.ts";
import type { VmAccess } from "./policy.ts";

/** Where the dispatcher learns which VMs exist and what they may reach. */
export type VmAccessSource = () => Promise<readonly VmAccess[]>;

/** The live VMs of `runtimeDir` that have a vsock CID. */
export function registryAccessSource(runtimeDir: string): VmAccessSource {
  return async () =>
    (await readLiveVmRecords(runtimeDir)).flatMap((record) =>
      typeof record.cid === "number"
        ? [{
          name: record.name,
          cid: record.cid,
          services: record.services ?? {},
        }]
        : []
    );
}

/** A fixed list of VMs (a policy file, or a test). */
export function staticAccessSource(vms: readonly VmAccess[]): VmAccessSource {
  const copy = [...vms];
  return () => Promise.resolve(copy);
}
