/**
 * The kernel cache in the data directory: one folder per cache key holding
 * `bzImage`, `config`, `build.log` and `manifest.json`, plus the temporary
 * folders of builds in progress.
 *
 * @module
 */
import { join } from "node:path";

/** What a cached kernel was built from; stored as `manifest.json`. */
export interface KernelManifest {
  /** The cache key, also the folder name. */
  key: string;
  /** Kernel version from the source's Makefile. */
  version: string;
  /** The source tarball. */
  source: {
    /** `local` (a tarball on disk) or `download` (the pinned release). */
    kind: "local" | "download";
    /** The tarball path at build time. */
    tarball: string;
    /** Where it was downloaded from, for `download`. */
    url?: string;
    /** SHA-256 of the tarball. */
    sha256: string;
  };
  /** The config fragments. */
  fragments: {
    /** File names, in merge order. */
    files: string[];
    /** Hash of the required options. */
    sha256: string;
  };
  /** Parallel make jobs used. */
  jobs: number;
  /** When the build finished (ISO 8601). */
  builtAt: string;
  /** How long the build took, in seconds. */
  buildSeconds: number;
  /** Size of `bzImage` in bytes. */
  bzImageBytes: number;
}

/** A kernel in the cache. */
export interface CachedKernel {
  /** Its folder. */
  dir: string;
  /** Path of its `bzImage`. */
  bzImage: string;
  /** Its manifest. */
  manifest: KernelManifest;
}

/** Where kernels live inside the data directory. */
export function kernelsDir(dataDir: string): string {
  return join(dataDir, "kernels");
}

/** Where verified downloaded source tarballs are kept for rebuilds. */
export function sourcesDir(dataDir: string): string {
  return join(kernelsDir(dataDir), "sources");
}

/** Prefix of in-progress build folders; the builder's pid follows, for people. */
export const BUILD_DIR_PREFIX = ".build-";

/** The name of a build folder for process `pid`, before the random suffix. */
export function buildDirPrefix(pid: number): string {
  return `${BUILD_DIR_PREFIX}${pid}-`;
}

/**
 * File in a build folder whose modification time a running build keeps
 * fresh. Liveness is judged by it rather than by the pid, because the
 * permission set qubesify runs under cannot read /proc, and pids do not
 * cross PID namespaces.
 */
export const HEARTBEAT_FILE = "alive";

/** How often a running build touches its heartbeat file. */
export const HEARTBEAT_INTERVAL_MS = 30_000;

/** A build folder whose heartbeat is older than this is left over. */
export const STALE_AFTER_MS = 10 * 60_000;

/**
 * Keeps the heartbeat of the build folder `dir` fresh until the returned
 * function is called.
 */
export async function keepBuildAlive(dir: string): Promise<() => void> {
  const file = join(dir, HEARTBEAT_FILE);
  await Deno.writeTextFile(file, `${Deno.pid}\n`);
  const timer = setInterval(() => {
    const now = new Date();
    Deno.utime(file, now, now).catch(() => {});
  }, HEARTBEAT_INTERVAL_MS);
  return () => clearInterval(timer);
}

/** Whether a build folder last showed life at `lastAlive` is left over at `now`. */
export function isStale(lastAlive: Date, now: Date): boolean {
  return now.getTime() - lastAlive.getTime() > STALE_AFTER_MS;
}

/** Returns the cached kernel for `key`, or `undefined` when it is not built. */
export async function findCachedKernel(
  dataDir: string,
  key: string,
): Promise<CachedKernel | undefined> {
  const dir = join(kernelsDir(dataDir), key);
  try {
    const manifest = JSON.parse(
      await Deno.readTextFile(join(dir, "manifest.json")),
    ) as KernelManifest;
    const bzImage = join(dir, "bzImage");
    if (!(await Deno.stat(bzImage)).isFile) return undefined;
    return { dir, bzImage, manifest };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** Every complete kernel in the cache, newest first. */
export async function listKernels(dataDir: string): Promise<CachedKernel[]> {
  const kernels: CachedKernel[] = [];
  try {
    for await (const entry of Deno.readDir(kernelsDir(dataDir))) {
      if (!entry.isDirectory || entry.name.startsWith(".")) continue;
      const kernel = await findCachedKernel(dataDir, entry.name);
      if (kernel) kernels.push(kernel);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return kernels.sort((a, b) =>
    b.manifest.builtAt.localeCompare(a.manifest.builtAt)
  );
}

/**
 * Removes build folders left by builds that are no longer running (killed,
 * crashed, power loss) and returns their names. A folder whose heartbeat
 * is fresh belongs to a running build and is left alone, so two builds can
 * run side by side.
 */
export async function removeStaleBuilds(
  dataDir: string,
  now: Date = new Date(),
): Promise<string[]> {
  const removed: string[] = [];
  const root = kernelsDir(dataDir);
  try {
    for await (const entry of Deno.readDir(root)) {
      if (!entry.isDirectory || !entry.name.startsWith(BUILD_DIR_PREFIX)) {
        continue;
      }
      const dir = join(root, entry.name);
      // A folder without a heartbeat yet is judged by its own age.
      const info = await Deno.stat(join(dir, HEARTBEAT_FILE))
        .catch(() => Deno.stat(dir));
      if (!isStale(info.mtime ?? now, now)) continue;
      await Deno.remove(dir, { recursive: true });
      removed.push(entry.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return removed;
}
