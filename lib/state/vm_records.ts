/**
 * The record each running VM keeps in its runtime folder
 * (`<runtime>/<vm>/vm.json`), read by `ls`, `stop`, `image gc` and, for
 * every connection a VM makes, the local dispatcher: that one reads
 * through {@linkcode liveVmRecordReader}, which re-reads a record only
 * when its file changed but asks every time whether its QEMU still runs.
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
 * `text` as a VM record, or undefined when it is none: half written (the
 * record is written in place), or not a record at all.
 */
export function parseVmRecord(text: string): VmRecord | undefined {
  let record: VmRecord;
  try {
    record = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (
    typeof record !== "object" || record === null ||
    typeof record.pid !== "number" || typeof record.image !== "string"
  ) {
    return undefined;
  }
  return record;
}

/** The names of the folders in `runtimeDir`; none when it does not exist. */
async function vmFolders(runtimeDir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(runtimeDir)) {
      if (entry.isDirectory) names.push(entry.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return names.sort((a, b) => a.localeCompare(b));
}

/**
 * Reads the records of VMs whose QEMU process is still alive; records of
 * dead VMs (e.g. QEMU was killed) are skipped, not trusted.
 */
export async function readLiveVmRecords(
  runtimeDir: string,
): Promise<VmRecord[]> {
  const records: VmRecord[] = [];
  for (const name of await vmFolders(runtimeDir)) {
    const record = parseVmRecord(
      await Deno.readTextFile(vmRecordPath(runtimeDir, name)).catch(() => ""),
    );
    if (record && await isProcessAlive(record.pid)) records.push(record);
  }
  return records;
}

/** What {@linkcode liveVmRecordReader} may be told. */
export interface VmRecordReaderOptions {
  /** Whether a VM's QEMU runs; default {@linkcode isProcessAlive}. */
  isAlive?(pid: number): boolean | Promise<boolean>;
  /**
   * Re-read a record whose file looks unchanged after this long anyway
   * (a rewrite of the same size within one clock tick looks unchanged);
   * default 2 s.
   */
  maxRecordAgeMs?: number;
}

/** A record as read, and the file's identity when it was. */
interface CachedRecord {
  readonly file: string;
  readonly readAt: number;
  readonly record: VmRecord | undefined;
}

/**
 * {@linkcode readLiveVmRecords} for a caller that asks again and again
 * (the dispatcher, per connection): each call lists the folder and stats
 * each record, re-reads only records whose file changed (inode, size,
 * modification time) or was read over `maxRecordAgeMs` ago, and asks
 * whether each VM's QEMU runs, every call: a dead VM's record is never
 * believed, however recently it was read.
 */
export function liveVmRecordReader(
  runtimeDir: string,
  options: VmRecordReaderOptions = {},
): () => Promise<VmRecord[]> {
  const isAlive = options.isAlive ?? isProcessAlive;
  const maxAgeMs = options.maxRecordAgeMs ?? 2_000;
  const cache = new Map<string, CachedRecord>();
  return async () => {
    const records: VmRecord[] = [];
    const names = await vmFolders(runtimeDir);
    const present = new Set(names);
    for (const name of cache.keys()) {
      if (!present.has(name)) cache.delete(name);
    }
    for (const name of names) {
      const path = vmRecordPath(runtimeDir, name);
      const info = await Deno.stat(path).catch(() => undefined);
      if (!info?.isFile) {
        cache.delete(name);
        continue;
      }
      const file = `${info.ino}:${info.size}:${info.mtime?.getTime()}`;
      const now = Date.now();
      let cached = cache.get(name);
      if (cached?.file !== file || now - cached.readAt > maxAgeMs) {
        // Stat'ed before reading: a change in between is seen next time.
        const text = await Deno.readTextFile(path).catch(() => "");
        cached = { file, readAt: now, record: parseVmRecord(text) };
        cache.set(name, cached);
      }
      const record = cached.record;
      if (record && await isAlive(record.pid)) records.push(record);
    }
    return records;
  };
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
