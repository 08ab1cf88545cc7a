/**
 * `run --hugepages`: the template image copied once into hugetlbfs and
 * shared by every VM of this user that boots the same image, so the host
 * keeps one copy in huge pages instead of one in its page cache.
 *
 * hugetlbfs refuses write(), so the copy is written through a shared mmap
 * (libc through FFI); QEMU reads it back with pread, which it supports.
 *
 * Deno refuses every path under /dev to a program without all permissions,
 * so everything done inside the hugetlbfs folder goes through libc too.
 *
 * Sharing: each VM using a copy keeps a marker in its own runtime folder
 * (`<runtime>/<vm>/hugepages.json`: the copy's path and the owner's pid),
 * and each copy that exists is registered in `<runtime>/.hugepages-<copy>`
 * (a file: folders there without a VM record are debris to `run`). Copies
 * are made and deleted only while holding an flock on the runtime folder,
 * and deleted once no marker of a live owner (or live QEMU) names them, so
 * a crashed owner's copy goes with the next `run --hugepages` of this user.
 * A copy is written under a temporary name and renamed when complete, so
 * nobody boots a half-written one.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { basename, dirname, join } from "node:path";
import {
  type Libc,
  LibcError,
  MAP_SHARED,
  O_CLOEXEC,
  O_CREAT,
  O_EXCL,
  O_RDONLY,
  O_RDWR,
  openLibc,
  PROT_READ,
  PROT_WRITE,
} from "../ffi/mod.ts";
import { isProcessAlive, readKernelFile } from "../exec/mod.ts";
import { vmRecordPath } from "../state/mod.ts";
import { QubesifyError } from "../errors/mod.ts";

/** The default huge page pool, from /proc/meminfo. */
export interface HugepagePool {
  /** HugePages_Total: pages in the pool. */
  total: number;
  /** HugePages_Free: pages not faulted in yet, reserved ones included. */
  free: number;
  /** HugePages_Rsvd: free pages already promised to a mapping. */
  reserved: number;
  /** Hugepagesize in bytes. */
  pageBytes: number;
}

/** Reads the default huge page pool from /proc/meminfo text. */
export function parseMeminfo(text: string): HugepagePool | undefined {
  const field = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(text);
    return match ? Number(match[1]) : undefined;
  };
  const total = field("HugePages_Total");
  const free = field("HugePages_Free");
  const reserved = field("HugePages_Rsvd") ?? 0;
  const pageKb = /^Hugepagesize:\s+(\d+) kB/m.exec(text)?.[1];
  if (total === undefined || free === undefined || !pageKb) return undefined;
  return { total, free, reserved, pageBytes: Number(pageKb) * 1024 };
}

/** Pages of the pool nobody has claimed yet. */
export function availablePages(pool: HugepagePool): number {
  return Math.max(0, pool.free - pool.reserved);
}

/** A hugetlbfs mount from /proc/mounts. */
export interface HugetlbfsMount {
  /** Mountpoint. */
  dir: string;
  /** Its `pagesize=` option in bytes; absent means the default size. */
  pageBytes?: number;
}

/** The hugetlbfs mounts listed in /proc/mounts text. */
export function parseHugetlbfsMounts(text: string): HugetlbfsMount[] {
  const mounts: HugetlbfsMount[] = [];
  for (const line of text.split("\n")) {
    const [, dir, type, options] = line.split(" ");
    if (type !== "hugetlbfs" || !dir) continue;
    const size = /(?:^|,)pagesize=(\d+)([KMG]?)/i.exec(options ?? "");
    const unit = { "": 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 }[
      (size?.[2] ?? "").toUpperCase() as "" | "K" | "M" | "G"
    ];
    mounts.push({
      dir: unescapeMountField(dir),
      ...(size ? { pageBytes: Number(size[1]) * unit } : {}),
    });
  }
  return mounts;
}

/** The kernel writes space, tab, newline and backslash as octal escapes. */
function unescapeMountField(field: string): string {
  return field.replace(
    /\\([0-7]{3})/g,
    (_, octal: string) => String.fromCharCode(parseInt(octal, 8)),
  );
}

/**
 * The hugetlbfs mount to use for pages of `pageBytes`: one with that page
 * size, `/dev/hugepages` first (where systemd mounts it).
 */
export function chooseHugetlbfsMount(
  mounts: readonly HugetlbfsMount[],
  pageBytes: number,
): HugetlbfsMount | undefined {
  const fitting = mounts.filter((mount) =>
    (mount.pageBytes ?? pageBytes) === pageBytes
  );
  return fitting.find((mount) => mount.dir === DEFAULT_HUGETLBFS_DIR) ??
    fitting[0];
}

/** Where hugetlbfs is usually mounted, and where the fix mounts it. */
export const DEFAULT_HUGETLBFS_DIR = "/dev/hugepages";

/** Huge pages needed to hold `bytes`. */
export function hugePagesFor(bytes: number, pageBytes: number): number {
  return Math.ceil(bytes / pageBytes);
}

/** What {@linkcode hugepagesFixMessage} explains. */
export interface HugepagesProblem {
  /** The template image. */
  image: string;
  /** Its size. */
  imageBytes: number;
  /** The default pool, when /proc/meminfo could be read. */
  pool?: HugepagePool;
  /** The hugetlbfs folder asked for. */
  dir: string;
  /** Whether hugetlbfs is mounted there. */
  mounted: boolean;
}

/**
 * Why huge pages cannot hold this image, and the commands that fix it. The
 * pool size asked for keeps the pages others use and adds this image's.
 */
export function hugepagesFixMessage(problem: HugepagesProblem): string {
  const pool = problem.pool;
  const pageBytes = pool?.pageBytes ?? 2 * 2 ** 20;
  const needed = hugePagesFor(problem.imageBytes, pageBytes);
  const available = pool ? availablePages(pool) : 0;
  const reasons: string[] = [];
  if (!pool) reasons.push("this kernel reports no huge pages");
  if (!problem.mounted) {
    reasons.push(`hugetlbfs is not mounted at ${problem.dir}`);
  }
  if (pool && available < needed) {
    reasons.push(`${available} of ${pool.total} huge pages are free`);
  }
  if (reasons.length === 0) {
    reasons.push("the huge pages ran out while copying");
  }
  const inUse = pool ? pool.total - available : 0;
  const commands = [`sudo sysctl vm.nr_hugepages=${inUse + needed}`];
  if (!problem.mounted) {
    // mkdir -p is harmless where the folder exists, and Deno may not look.
    commands.push(
      `sudo mkdir -p ${problem.dir}`,
      `sudo mount -t hugetlbfs none ${problem.dir}`,
    );
  }
  return `--hugepages: ${reasons.join(", ")}; the template image ` +
    `${basename(problem.image)} (${mib(problem.imageBytes)}) needs ` +
    `${needed} huge pages of ${mib(pageBytes)}. To fix it, run:\n` +
    commands.map((command) => `  ${command}`).join("\n");
}

function mib(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20 * 10) / 10} MiB`;
}

/**
 * The copy's file name: the image's folder and name for people looking at
 * /dev/hugepages, a hash of the runtime folder because only VMs of that
 * folder share it (their markers live there), and a hash of the image's
 * path, size and mtime so a rebuilt image gets a fresh copy. Only
 * characters that QEMU's `-drive file=` syntax takes literally.
 */
export function hugepageCopyName(
  options: {
    image: string;
    imageBytes: number;
    imageMtimeMs: number;
    runtimeDir: string;
  },
): string {
  // Images live in `images/<template>/<version>.img`: name both.
  const readable = `${basename(dirname(options.image))}-${
    basename(options.image)
  }`.replace(/[^\w.-]/g, "_").slice(0, 100);
  const image = shortHash(
    `${options.image}\n${options.imageBytes}\n${options.imageMtimeMs}`,
  );
  return `${copyPrefix(options.runtimeDir)}${readable}-${image}`;
}

/** Copies of this runtime folder start with this. */
function copyPrefix(runtimeDir: string): string {
  return `qubesify-${shortHash(runtimeDir)}-`;
}

function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 8);
}

/** Huge pages cannot hold the image; the message says how to fix it. */
export class HugepagesUnavailableError extends QubesifyError {
  /** Wraps the fix message. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * The hugetlbfs mountpoint for default-size huge pages, from /proc/mounts;
 * undefined when none is mounted.
 */
export async function findHugetlbfsDir(): Promise<string | undefined> {
  const mounts = parseHugetlbfsMounts(
    await readKernelFile("/proc/mounts") ?? "",
  );
  const pool = parseMeminfo(await readKernelFile("/proc/meminfo") ?? "");
  if (!pool) return undefined;
  return chooseHugetlbfsMount(mounts, pool.pageBytes)?.dir;
}

/** Which VM uses which copy. */
export interface HugepageCopyOptions {
  /** hugetlbfs folder holding the copies. */
  hugetlbfsDir: string;
  /** `<runtime>`: VM folders, with their markers, are inside it. */
  runtimeDir: string;
  /** The VM; its folder `<runtime>/<vm>` must exist. */
  vmName: string;
}

/** Bytes mapped at once: large images are copied in windows of this size. */
const WINDOW_BYTES = 64 * 2 ** 20;

/** Bytes read from the image before they are copied into the mapping. */
const CHUNK_BYTES = 4 * 2 ** 20;

/** Registrations of copies in the runtime folder start with this. */
const REGISTRATION_PREFIX = ".hugepages-";

/**
 * Returns the path of the hugetlbfs copy of `image` for this VM, copying
 * the image first when no VM of this runtime folder has one. Throws
 * {@linkcode HugepagesUnavailableError} when hugetlbfs is not mounted at
 * `hugetlbfsDir` or too few huge pages are free. Pair it with
 * {@linkcode releaseHugepageCopy}.
 */
export async function acquireHugepageCopy(
  options: HugepageCopyOptions & {
    /** The template image. */
    image: string;
  },
): Promise<string> {
  // The same image reached through a symlink (`current`) shares the copy.
  const image = await Deno.realPath(options.image);
  const stat = await Deno.stat(image);
  const imageBytes = stat.size;
  const copy = hugepageCopyName({
    image,
    imageBytes,
    imageMtimeMs: stat.mtime?.getTime() ?? 0,
    runtimeDir: options.runtimeDir,
  });
  const path = join(options.hugetlbfsDir, copy);
  const pool = parseMeminfo(await readKernelFile("/proc/meminfo") ?? "");
  const mount = parseHugetlbfsMounts(await readKernelFile("/proc/mounts") ?? "")
    .find((mount) => mount.dir === options.hugetlbfsDir);
  const unavailable = (cause?: unknown) =>
    new HugepagesUnavailableError(
      hugepagesFixMessage({
        image,
        imageBytes,
        pool,
        dir: options.hugetlbfsDir,
        mounted: mount !== undefined,
      }),
      { cause },
    );
  if (!pool || !mount) throw unavailable();
  const pageBytes = mount.pageBytes ?? pool.pageBytes;
  if (pageBytes !== pool.pageBytes) {
    throw new HugepagesUnavailableError(
      `--hugepages: hugetlbfs at ${options.hugetlbfsDir} has pages of ` +
        `${mib(pageBytes)}, not the default ${mib(pool.pageBytes)}; mount ` +
        `one with default-size pages:\n  sudo mount -t hugetlbfs none ` +
        DEFAULT_HUGETLBFS_DIR,
    );
  }
  const marker = markerPath(options);
  using libc = openLibc();
  using _lock = await lockFolder(options.runtimeDir);
  await Deno.writeTextFile(
    marker,
    JSON.stringify({ copy: path, ownerPid: Deno.pid }),
  );
  try {
    await removeUnusedCopies(libc, options.runtimeDir);
    if (fileExists(libc, path)) return path;
    if (availablePages(pool) < hugePagesFor(imageBytes, pageBytes)) {
      throw unavailable();
    }
    // Registered before it exists, so a crash halfway is cleaned up too.
    await Deno.writeTextFile(
      join(options.runtimeDir, `${REGISTRATION_PREFIX}${copy}`),
      JSON.stringify({ copy: path }),
    );
    const partial = partialPath(path);
    try {
      await copyIntoHugepages(libc, image, partial, imageBytes, pageBytes);
    } catch (error) {
      // Someone took the pages between the check and the mapping.
      if (
        error instanceof LibcError &&
        (error.code === "ENOMEM" || error.code === "ENOSPC")
      ) {
        throw unavailable(error);
      }
      throw error;
    }
    libc.rename(partial, path);
    return path;
  } catch (error) {
    await Deno.remove(marker).catch(() => {});
    await removeUnusedCopies(libc, options.runtimeDir).catch(() => {});
    throw error;
  }
}

/**
 * The VM no longer uses its copy: removes its marker, and the copy when no
 * other live VM of this runtime folder uses it. Safe to call more than
 * once, and when acquiring failed.
 */
export async function releaseHugepageCopy(
  options: HugepageCopyOptions,
): Promise<void> {
  await Deno.remove(markerPath(options)).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  using libc = openLibc();
  using _lock = await lockFolder(options.runtimeDir);
  await removeUnusedCopies(libc, options.runtimeDir);
}

function markerPath(options: HugepageCopyOptions): string {
  if (!/^[\w.-]+$/.test(options.vmName) || options.vmName.startsWith(".")) {
    throw new RangeError(`not a VM name: ${options.vmName}`);
  }
  return join(options.runtimeDir, options.vmName, "hugepages.json");
}

function partialPath(copyPath: string): string {
  return join(dirname(copyPath), `.${basename(copyPath)}.partial`);
}

/**
 * An exclusive flock on the folder itself: the kernel drops it when its
 * holder dies, so a crashed run never leaves a stale lock, and there is no
 * lock file to clean up. Closing the folder releases it.
 */
async function lockFolder(dir: string): Promise<Deno.FsFile> {
  const folder = await Deno.open(dir, { read: true });
  try {
    await folder.lock(true);
  } catch (error) {
    folder.close();
    throw error;
  }
  return folder;
}

/**
 * Deletes the registered copies (and partial copies) of this runtime
 * folder that no live VM's marker names. Call only with the lock held.
 */
async function removeUnusedCopies(
  libc: Libc,
  runtimeDir: string,
): Promise<void> {
  const used = await liveCopies(runtimeDir);
  for await (const entry of Deno.readDir(runtimeDir)) {
    if (!entry.isFile || !entry.name.startsWith(REGISTRATION_PREFIX)) continue;
    const registration = join(runtimeDir, entry.name);
    const copy = (await readJson(registration))?.copy;
    if (typeof copy === "string") {
      if (used.has(copy)) continue;
      // QEMU processes that still have it open keep its pages until they exit.
      unlinkIfPresent(libc, copy);
      unlinkIfPresent(libc, partialPath(copy));
    }
    await Deno.remove(registration).catch(() => {});
  }
}

/** Copies named by a marker whose owner, or whose QEMU, still runs. */
async function liveCopies(runtimeDir: string): Promise<Set<string>> {
  const used = new Set<string>();
  for await (const entry of Deno.readDir(runtimeDir)) {
    if (!entry.isDirectory) continue;
    const marker = await readJson(
      join(runtimeDir, entry.name, "hugepages.json"),
    );
    if (typeof marker?.copy !== "string" || used.has(marker.copy)) continue;
    const record = await readJson(vmRecordPath(runtimeDir, entry.name));
    if (
      await isProcessAlive(marker.ownerPid) || await isProcessAlive(record?.pid)
    ) {
      used.add(marker.copy);
    }
  }
  return used;
}

async function readJson(
  path: string,
): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch {
    return undefined;
  }
}

function fileExists(libc: Libc, path: string): boolean {
  try {
    libc.close(libc.open(path, O_RDONLY | O_CLOEXEC));
    return true;
  } catch (error) {
    if (error instanceof LibcError && error.code === "ENOENT") return false;
    throw error;
  }
}

function unlinkIfPresent(libc: Libc, path: string): void {
  try {
    libc.unlink(path);
  } catch (error) {
    if (!(error instanceof LibcError && error.code === "ENOENT")) throw error;
  }
}

/**
 * Writes the image into a new hugetlbfs file through shared mappings, one
 * window at a time so a large image never needs one giant mapping. The
 * file's size is rounded up to whole huge pages (hugetlbfs refuses any
 * other); the tail past the image reads as zeros.
 */
async function copyIntoHugepages(
  libc: Libc,
  image: string,
  target: string,
  imageBytes: number,
  pageBytes: number,
): Promise<void> {
  const fileBytes = hugePagesFor(imageBytes, pageBytes) * pageBytes;
  const window = Math.max(
    pageBytes,
    Math.floor(WINDOW_BYTES / pageBytes) * pageBytes,
  );
  using source = await Deno.open(image, { read: true });
  const chunk = new Uint8Array(CHUNK_BYTES);
  // O_EXCL: a partial copy left over is removed by the sweep, not reused.
  const fd = libc.open(target, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0o600);
  try {
    libc.ftruncate(fd, fileBytes);
    for (let offset = 0; offset < imageBytes; offset += window) {
      const length = Math.min(window, fileBytes - offset);
      // A shared hugetlbfs mapping reserves its pages here (ENOMEM when too
      // few), so touching them later cannot fail with SIGBUS.
      const address = libc.mmap(
        length,
        PROT_READ | PROT_WRITE,
        MAP_SHARED,
        fd,
        offset,
      );
      try {
        const wanted = Math.min(length, imageBytes - offset);
        for (let filled = 0; filled < wanted;) {
          const read = await source.read(
            chunk.subarray(0, Math.min(chunk.length, wanted - filled)),
          );
          if (read === null) {
            throw new Error(`${image} shrank while it was being copied`);
          }
          libc.writeMemory(address, filled, chunk.subarray(0, read));
          filled += read;
        }
      } finally {
        libc.munmap(address, length);
      }
    }
  } finally {
    libc.close(fd);
  }
}
