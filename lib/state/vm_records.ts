/**
 * The record each running VM keeps in its runtime folder
 * (`<runtime>/<vm>/vm.json`), read by `ls`, `stop` and `image gc`.
 *
 * @module
 */
import { join } from "node:path";
import { isProcessAlive } from "../exec/mod.ts";
import type { ServiceName } from "../guest/mod.ts";

/** What a running VM records about itself. */
export interface VmRecord {
  /** VM name, also its runtime folder's name. */
  name: string;
  /** App recipe it runs. */
  app: string;
  /** Template image it booted from. */
  image: string;
  /** QEMU's process id. */
  pid: number;
  /** The `qubesify run` process that owns the VM and cleans up after it. */
  ownerPid: number;
  /** Configured guest memory. */
  memoryBytes: number;
  /** The guest's vsock CID, when it has a kernel vsock device. */
  cid?: number;
  /**
   * The host UNIX sockets this VM may reach, by service name (`wayland`,
   * `audio`, `egress`, `control`; see `SERVICE_PORTS`). Anything not
   * listed is denied.
   */
  services?: Partial<Record<ServiceName, string>>;
  /** When it started (ISO 8601). */
  startedAt: string;
}

/** The record file of the VM named `name`. */
export function vmRecordPath(runtimeDir: string, name: string): string {
  return join(runtimeDir, name, "vm.json");
}

/**
 * Reads the records of VMs whose QEMU process is still alive; records of
 * dead VMs (e.g. QEMU was killed) are skipped, not trusted.
 */
export async function readLiveVmRecords(
  runtimeDir: string,
): Promise<VmRecord[]> {
  const records: VmRecord[] = [];
  try {
    for await (const entry of Deno.readDir(runtimeDir)) {
      if (!entry.isDirectory) continue;
      let record: VmRecord;
      try {
        record = JSON.parse(
          await Deno.readTextFile(vmRecordPath(runtimeDir, entry.name)),
        );
      } catch {
        continue;
      }
      if (typeof record.pid !== "number" || typeof record.image !== "string") {
        continue;
      }
      if (await isProcessAlive(record.pid)) {
        records.push(record);
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return records.sort((a, b) => a.name.localeCompare(b.name));
}

/** A VM folder without a record is being set up; after this long it is debris. */
const SETUP_GRACE_MS = 60_000;

/**
 * Removes runtime folders of VMs that are gone: their owner and QEMU both
 * exited (e.g. both were killed), so nobody else will clean up.
 */
export async function removeDeadVmDirs(runtimeDir: string): Promise<string[]> {
  const removed: string[] = [];
  try {
    for await (const entry of Deno.readDir(runtimeDir)) {
      // Dot folders hold shared state (claims), never a VM.
      if (!entry.isDirectory || entry.name.startsWith(".")) continue;
      const dir = join(runtimeDir, entry.name);
      const record = await Deno.readTextFile(
        vmRecordPath(runtimeDir, entry.name),
      )
        .then((text) => JSON.parse(text) as Partial<VmRecord>)
        .catch(() => undefined);
      const dead = record
        ? !await isProcessAlive(record.pid) &&
          !await isProcessAlive(record.ownerPid)
        : Date.now() - ((await Deno.stat(dir)).mtime?.getTime() ?? 0) >
          SETUP_GRACE_MS;
      if (dead) {
        await Deno.remove(dir, { recursive: true });
        removed.push(entry.name);
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return removed;
}
