/**
 * Running-VM records for relay tests: the files `qubesify run` keeps in
 * the runtime folder (`<runtime>/<vm>/vm.json`), which the local
 * dispatcher reads to learn each VM's CID and the sockets it may reach.
 * The records name this test process as the VM's QEMU and owner, so they
 * count as live for as long as the test runs, unless a test gives other
 * pids.
 *
 * @module
 */
import { dirname } from "node:path";
import type { ServiceName } from "../../lib/guest/mod.ts";
import { type VmRecord, vmRecordPath } from "../../lib/state/mod.ts";

/** A VM as a relay test sees it. */
export interface TestVm {
  /** Its name (and runtime subfolder). */
  name: string;
  /** Its vsock CID. */
  cid: number;
  /** The host sockets it may reach. */
  services: Partial<Record<ServiceName, string>>;
  /** Its QEMU's pid; default this process. A dead one makes it stale. */
  pid?: number;
  /** The pid of the `run` that owns it (what `stop` signals); default this process. */
  ownerPid?: number;
}

/** Writes a live record for each VM under `runtimeDir`. */
export async function writeVmRecords(
  runtimeDir: string,
  vms: TestVm[],
): Promise<void> {
  for (const vm of vms) {
    const record: VmRecord = {
      name: vm.name,
      app: vm.name,
      image: "test",
      pid: vm.pid ?? Deno.pid,
      ownerPid: vm.ownerPid ?? Deno.pid,
      memoryBytes: 256 * 1024 * 1024,
      cid: vm.cid,
      services: vm.services,
      startedAt: new Date().toISOString(),
    };
    const path = vmRecordPath(runtimeDir, vm.name);
    await Deno.mkdir(dirname(path), { recursive: true });
    await Deno.writeTextFile(path, JSON.stringify(record));
  }
}

/** The pid of a process that has exited: a stale record's QEMU. */
export async function deadPid(): Promise<number> {
  const child = new Deno.Command("true", {
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  await child.status;
  return child.pid;
}
