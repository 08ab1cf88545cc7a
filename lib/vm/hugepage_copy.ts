/**
 * `run --hugepages`: the template image copied once into hugetlbfs and
 * shared by every VM of this user that boots the same image, so the host
 * keeps one copy in huge pages instead of one in its page cache.
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
 * Deno refuses every path under /dev to a program without all permissions,
 * so everything done inside the hugetlbfs folder goes through libc.
 *
 * @example
 * ```ts ignore
 * import { acquireHugepageCopy, releaseHugepageCopy } from "./hugepage_copy.ts";
 * const vm = {
 *   hugetlbfsDir: "/dev/hugepages",
 *   runtimeDir: "/run/user/1000/qubesify",
 *   vmName: "smoke-1",
 * };
 * const copy = await acquireHugepageCopy({ ...vm, image: "smoke.img" });
 * try {
 *   console.log(`boot from ${copy}`);
 * } finally {
 *   await releaseHugepageCopy(vm);
 * }
 * ```
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import {
  type Libc,
  LibcError,
  O_CLOEXEC,
  O_RDONLY,
  openLibc,
} from "../ffi/mod.ts";
import { isProcessAlive } from "../exec/mod.ts";
import { vmRecordPath } from "../state/mod.ts";
import {
  availablePages,
  hugepagesFixMessage,
  hugePagesFor,
  HugepagesUnavailableError,
  pageSizeMismatchMessage,
  readHugepages,
} from "./hugepage_pool.ts";
import { hugepageCopyName } from "./hugepage_copy_name.ts";
import { copyIntoHugetlbfs } from "./hugetlbfs_writer.ts";

/** Which VM uses which copy. */
export interface HugepageCopyOptions {
  /** hugetlbfs folder holding the copies. */
  hugetlbfsDir: string;
  /** `<runtime>`: VM folders, with their markers, are inside it. */
  runtimeDir: string;
  /** The VM; its folder `<runtime>/<vm>` must exist. */
  vmName: string;
}

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
  const { pool, mounts } = await readHugepages();
  const mount = mounts.find((mount) => mount.dir === options.hugetlbfsDir);
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
      pageSizeMismatchMessage({
        dir: options.hugetlbfsDir,
        pageBytes,
        defaultPageBytes: pool.pageBytes,
      }),
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
      await copyIntoHugetlbfs({
        libc,
        image,
        target: partial,
        imageBytes,
        pageBytes,
      });
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
