/**
 * Where the dispatcher learns which VMs exist and what they may reach. It
 * asks for every connection, so VMs come and go without restarting it;
 * the answer must stay cheap under a burst, or one VM's burst delays every
 * other VM's connections. So each source here shares one read among all
 * connections that ask while it runs (see `coalesced.ts`), and re-reads a
 * file only when it changed.
 *
 * - The local topology: the runtime registry `qubesify run` writes
 *   (`<runtime>/<vm>/vm.json`, see lib/state/vm_records.ts). Whether each
 *   VM's QEMU runs is asked on every read (one syscall each), so records
 *   of dead VMs are never trusted.
 * - The split topology's viewer: its policy file.
 *
 * @module
 */

import {
  liveVmRecordReader,
  type VmRecordReaderOptions,
} from "../state/mod.ts";
import { coalesced } from "./coalesced.ts";
import type { VmAccess } from "./policy.ts";
import { readPolicyFile } from "./policy_file.ts";

/** Where the dispatcher learns which VMs exist and what they may reach. */
export type VmAccessSource = () => Promise<readonly VmAccess[]>;

/** The live VMs of `runtimeDir` that have a vsock CID. */
export function registryAccessSource(
  runtimeDir: string,
  options: VmRecordReaderOptions = {},
): VmAccessSource {
  const read = liveVmRecordReader(runtimeDir, options);
  return coalesced(async () =>
    (await read()).flatMap((record) =>
      typeof record.cid === "number"
        ? [{
          name: record.name,
          cid: record.cid,
          services: record.services ?? {},
        }]
        : []
    )
  );
}

/**
 * The VMs of the policy file at `path`, re-read when the file changed
 * (inode, size, modification time) or was read over `maxAgeMs` ago (2 s),
 * so edits apply without a restart. A broken file fails every ask until
 * it is fixed.
 */
export function policyFileAccessSource(
  path: string,
  options: { maxAgeMs?: number } = {},
): VmAccessSource {
  const maxAgeMs = options.maxAgeMs ?? 2_000;
  let cached:
    | { file: string; readAt: number; vms: Promise<VmAccess[]> }
    | undefined;
  return coalesced(async () => {
    const info = await Deno.stat(path).catch(() => undefined);
    const file = info && `${info.ino}:${info.size}:${info.mtime?.getTime()}`;
    if (file === undefined) {
      // Gone or unreadable: the read says which, in the policy's words.
      cached = undefined;
      return readPolicyFile(path);
    }
    const now = Date.now();
    if (cached?.file !== file || now - cached.readAt > maxAgeMs) {
      cached = { file, readAt: now, vms: readPolicyFile(path) };
    }
    return cached.vms;
  });
}

/** A fixed list of VMs (a test). */
export function staticAccessSource(vms: readonly VmAccess[]): VmAccessSource {
  const copy = [...vms];
  return () => Promise.resolve(copy);
}
