/**
 * Whether huge pages can hold a template image: the default pool from
 * /proc/meminfo, the hugetlbfs mounts from /proc/mounts, and, when they
 * fall short, a message that says how to fix it (which sysctl, which
 * mount).
 *
 * @example
 * ```ts
 * import { availablePages, hugePagesFor, parseMeminfo } from "./hugepage_pool.ts";
 * const pool = parseMeminfo(
 *   "HugePages_Total: 64\nHugePages_Free: 40\nHugePages_Rsvd: 8\nHugepagesize: 2048 kB\n",
 * )!;
 * console.log(availablePages(pool) >= hugePagesFor(50 * 2 ** 20, pool.pageBytes));
 * ```
 *
 * @module
 */
import { basename } from "node:path";
import { readKernelFile } from "../exec/mod.ts";
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

/** Huge pages needed to hold `bytes`. */
export function hugePagesFor(bytes: number, pageBytes: number): number {
  return Math.ceil(bytes / pageBytes);
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

/** Where hugetlbfs is usually mounted, and where the fix mounts it. */
export const DEFAULT_HUGETLBFS_DIR = "/dev/hugepages";

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

/** The default pool and the hugetlbfs mounts, as the kernel reports them now. */
export async function readHugepages(): Promise<
  { pool?: HugepagePool; mounts: HugetlbfsMount[] }
> {
  return {
    pool: parseMeminfo(await readKernelFile("/proc/meminfo") ?? ""),
    mounts: parseHugetlbfsMounts(await readKernelFile("/proc/mounts") ?? ""),
  };
}

/**
 * The hugetlbfs mountpoint for default-size huge pages, from /proc/mounts;
 * undefined when none is mounted.
 */
export async function findHugetlbfsDir(): Promise<string | undefined> {
  const { pool, mounts } = await readHugepages();
  if (!pool) return undefined;
  return chooseHugetlbfsMount(mounts, pool.pageBytes)?.dir;
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

/**
 * The hugetlbfs folder `dir` has pages of `pageBytes`, not the pool's
 * default size: the message says to mount one with default-size pages.
 */
export function pageSizeMismatchMessage(
  options: { dir: string; pageBytes: number; defaultPageBytes: number },
): string {
  return `--hugepages: hugetlbfs at ${options.dir} has pages of ` +
    `${mib(options.pageBytes)}, not the default ${
      mib(options.defaultPageBytes)
    }; mount one with default-size pages:\n  sudo mount -t hugetlbfs none ` +
    DEFAULT_HUGETLBFS_DIR;
}

function mib(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20 * 10) / 10} MiB`;
}

/** Huge pages cannot hold the image; the message says how to fix it. */
export class HugepagesUnavailableError extends QubesifyError {}
