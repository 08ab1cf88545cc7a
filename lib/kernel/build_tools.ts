/**
 * The programs and headers a kernel build needs, with install lines.
 *
 * @module
 */
import { findExecutable } from "../exec/mod.ts";

/** One prerequisite of the kernel build. */
export interface BuildTool {
  /** What a person calls it. */
  name: string;
  /** A program that must be on PATH. */
  program?: string;
  /** A header that must exist in one of the include directories. */
  header?: string;
  /** Debian package providing it. */
  debian: string;
  /** Fedora package providing it. */
  fedora: string;
}

/** Everything `make bzImage` needs beyond a shell. */
export const KERNEL_BUILD_TOOLS: readonly BuildTool[] = [
  { name: "gcc", program: "gcc", debian: "gcc", fedora: "gcc" },
  { name: "make", program: "make", debian: "make", fedora: "make" },
  { name: "flex", program: "flex", debian: "flex", fedora: "flex" },
  { name: "bison", program: "bison", debian: "bison", fedora: "bison" },
  { name: "bc", program: "bc", debian: "bc", fedora: "bc" },
  { name: "tar", program: "tar", debian: "tar", fedora: "tar" },
  { name: "xz", program: "xz", debian: "xz-utils", fedora: "xz" },
  {
    name: "libelf headers",
    header: "gelf.h",
    debian: "libelf-dev",
    fedora: "elfutils-libelf-devel",
  },
];

/** Where {@linkcode missingBuildTools} looks. */
export interface BuildToolSearch {
  /** A PATH-style directory list. */
  path: string;
  /** Directories searched for headers. */
  includeDirs?: string[];
}

const DEFAULT_INCLUDE_DIRS = ["/usr/include", "/usr/local/include"];

/** Returns the tools of {@linkcode KERNEL_BUILD_TOOLS} that are missing. */
export async function missingBuildTools(
  { path, includeDirs = DEFAULT_INCLUDE_DIRS }: BuildToolSearch,
): Promise<BuildTool[]> {
  const missing: BuildTool[] = [];
  for (const tool of KERNEL_BUILD_TOOLS) {
    const found = tool.program
      ? await findExecutable(tool.program, path) !== undefined
      : await hasHeader(tool.header!, includeDirs);
    if (!found) missing.push(tool);
  }
  return missing;
}

/** The install lines for a set of missing tools, for Debian and Fedora. */
export function installLines(
  tools: readonly BuildTool[],
): { debian: string; fedora: string } {
  return {
    debian: `sudo apt install ${tools.map((t) => t.debian).join(" ")}`,
    fedora: `sudo rpm-ostree install ${tools.map((t) => t.fedora).join(" ")}`,
  };
}

async function hasHeader(header: string, dirs: string[]): Promise<boolean> {
  for (const dir of dirs) {
    try {
      if ((await Deno.stat(`${dir}/${header}`)).isFile) return true;
    } catch {
      // Not in this directory.
    }
  }
  return false;
}
