/**
 * Where the kernel source comes from: a tarball the user names, a distro's
 * `linux-source` package, or the pinned kernel.org release.
 *
 * @module
 */
import { basename, join } from "node:path";
import { capture } from "../exec/mod.ts";
import { KernelBuildError } from "./errors.ts";
import type { KernelPin } from "./pin.ts";
import { sha256File } from "../fs/mod.ts";

/** A source tarball the build can use, identified by its hash. */
export type KernelSource =
  | {
    /** A tarball already on disk (`--source` or the distro package). */
    kind: "local";
    /** Absolute path of the tarball. */
    tarball: string;
    /** SHA-256 of the tarball. */
    sha256: string;
  }
  | {
    /** The pinned kernel.org release, downloaded on first use. */
    kind: "download";
    /** Where it is (or will be) kept, verified, in the data directory. */
    tarball: string;
    /** The pinned SHA-256. */
    sha256: string;
    /** Where it is downloaded from. */
    url: string;
  };

/** Where Debian's `linux-source-X.Y` package puts its tarball. */
export const DISTRO_SOURCE_DIR = "/usr/src";

/**
 * Picks the newest `linux-source-*.tar.xz` among `names` (a directory
 * listing), comparing versions numerically; `undefined` when there is none.
 */
export function pickDistroTarball(
  names: readonly string[],
): string | undefined {
  const pattern = /^linux-source-(\d+(?:\.\d+)*)\.tar\.xz$/;
  const candidates = names.flatMap((name) => {
    const match = pattern.exec(name);
    return match ? [{ name, version: match[1].split(".").map(Number) }] : [];
  });
  candidates.sort((a, b) => compareVersions(b.version, a.version));
  return candidates[0]?.name;
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** How {@linkcode resolveSource} chooses. */
export interface ResolveSourceOptions {
  /** A tarball the user named (`--source`); wins over everything else. */
  source?: string;
  /** Folder searched for a distro tarball; `undefined` skips the search. */
  distroDir?: string;
  /** The pinned release, used when no local tarball is found. */
  pin: KernelPin;
  /** Where downloaded tarballs are kept. */
  downloadDir: string;
}

/**
 * Resolves the source: `--source`, else the newest distro tarball, else the
 * pinned download. Local tarballs are hashed, so the cache key follows their
 * contents rather than their path.
 */
export async function resolveSource(
  options: ResolveSourceOptions,
): Promise<KernelSource> {
  const local = options.source ?? await findDistroTarball(options.distroDir);
  if (local !== undefined) {
    const tarball = await Deno.realPath(local).catch((error) => {
      if (error instanceof Deno.errors.NotFound) {
        throw new KernelBuildError(`kernel source not found: ${local}`);
      }
      throw error;
    });
    if (!(await Deno.stat(tarball)).isFile) {
      throw new KernelBuildError(
        `kernel source is not a file: ${local} (pass a .tar.xz or .tar.gz tarball)`,
      );
    }
    return { kind: "local", tarball, sha256: await sha256File(tarball) };
  }
  const { url, sha256 } = options.pin;
  return {
    kind: "download",
    tarball: join(options.downloadDir, basename(new URL(url).pathname)),
    sha256,
    url,
  };
}

async function findDistroTarball(
  dir: string | undefined,
): Promise<string | undefined> {
  if (dir === undefined) return undefined;
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const name = pickDistroTarball(names);
  return name === undefined ? undefined : join(dir, name);
}

/**
 * Reads `VERSION.PATCHLEVEL.SUBLEVEL` from a kernel's top-level Makefile;
 * `undefined` when the text is not one.
 */
export function parseMakefileVersion(makefile: string): string | undefined {
  const field = (name: string) =>
    new RegExp(`^${name}\\s*=\\s*(\\d+)\\s*$`, "m").exec(makefile)?.[1];
  const version = field("VERSION");
  const patchlevel = field("PATCHLEVEL");
  const sublevel = field("SUBLEVEL");
  if (version === undefined || patchlevel === undefined) return undefined;
  return sublevel === undefined
    ? `${version}.${patchlevel}`
    : `${version}.${patchlevel}.${sublevel}`;
}

/**
 * Reads the kernel version from a source tarball without unpacking it: only
 * the top-level Makefile is extracted, and tar stops at the first match.
 */
export async function readTarballVersion(tarball: string): Promise<string> {
  const result = await capture({
    program: "tar",
    args: [
      "--extract",
      "--to-stdout",
      "--file",
      tarball,
      "--occurrence=1",
      "--wildcards",
      "--no-wildcards-match-slash",
      "*/Makefile",
    ],
    timeoutMs: 120_000,
  });
  const version = result.code === 0
    ? parseMakefileVersion(result.stdout)
    : undefined;
  if (version === undefined) {
    const why = result.timedOut
      ? "tar timed out"
      : result.stderr.trim().split("\n").slice(0, 3).join("; ") ||
        "no top-level Makefile with VERSION/PATCHLEVEL";
    throw new KernelBuildError(
      `${tarball} is not a readable kernel source tarball: ${why}`,
    );
  }
  return version;
}
