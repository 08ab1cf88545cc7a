/**
 * What a test needs from the machine (programs on PATH, files, root), as
 * the `ignore` of a Deno test. On a developer's machine a missing tool
 * skips the test with a note saying what to install; under `CI=true` it
 * fails the run instead, because CI installs everything (.ci/install) and
 * a test skipped there is a test nobody runs.
 *
 * @example
 * ```ts ignore
 * import { toolsOrSkip } from "./require_tools.ts";
 * Deno.test({
 *   name: "network: tap reaches the internet, not the host",
 *   ignore: await toolsOrSkip(["qemu-system-x86_64", "nft"], { root: true }),
 * }, async () => {});
 * ```
 *
 * @module
 */
import { findExecutable } from "../lib/exec/mod.ts";

/** The Debian package of each program the tests outside tests/desktop run. */
const PACKAGES: Readonly<Record<string, string>> = {
  "qemu-system-x86_64": "qemu-system-x86",
  mmdebstrap: "mmdebstrap",
  gcc: "gcc libc6-dev",
  mke2fs: "e2fsprogs",
  nft: "nftables",
  socat: "socat",
  ip: "iproute2",
  curl: "curl",
  git: "git",
  openssl: "openssl",
  ssh: "openssh-client",
  "ssh-keygen": "openssh-client",
  nc: "netcat-openbsd",
};

/** How to get each file a test needs. */
const FILES: Readonly<Record<string, string>> = {
  "/usr/src/linux-source-6.1.tar.xz": "apt install linux-source-6.1",
  "/usr/sbin/sshd": "apt install openssh-server",
  "/usr/bin/busybox": "apt install busybox-static",
  "/proc/sys/vm/nr_hugepages": "a kernel with CONFIG_HUGETLBFS",
};

/** What a test needs besides programs on PATH. */
export interface ToolNeeds {
  /** Whether it must run as root (CI does). */
  root?: boolean;
  /** Files that must exist. */
  files?: readonly string[];
  /** Debian packages of programs the table here does not know. */
  packages?: Readonly<Record<string, string>>;
}

/** A test ran under `CI=true` on a machine without what it needs. */
export class MissingTestToolError extends Error {
  override name = "MissingTestToolError";
}

/**
 * What is missing for a test needing `programs` and `needs`, as one line
 * with install hints; undefined when nothing is.
 */
export async function missingTools(
  programs: readonly string[],
  needs: ToolNeeds = {},
): Promise<string | undefined> {
  const path = Deno.env.get("PATH") ?? "";
  const absent: string[] = [];
  for (const program of programs) {
    if (!await findExecutable(program, path)) absent.push(program);
  }
  const parts: string[] = [];
  if (absent.length > 0) {
    const known = { ...PACKAGES, ...needs.packages };
    const packages = new Set(
      absent.map((program) => known[program] ?? program),
    );
    parts.push(
      `${absent.join(", ")} not on PATH (apt install ${
        [...packages].join(" ")
      })`,
    );
  }
  for (const file of needs.files ?? []) {
    if (await exists(file)) continue;
    parts.push(`${file} missing${FILES[file] ? ` (${FILES[file]})` : ""}`);
  }
  if (needs.root && Deno.uid() !== 0) parts.push("not root (run as root)");
  return parts.length > 0 ? parts.join("; ") : undefined;
}

/**
 * `ignore` for a test needing `programs` and `needs`: false when all are
 * there; true, after printing what to install, when not; and under
 * `CI=true` a {@linkcode MissingTestToolError} instead, which fails the
 * test file.
 */
export async function toolsOrSkip(
  programs: readonly string[],
  needs: ToolNeeds = {},
): Promise<boolean> {
  const missing = await missingTools(programs, needs);
  if (missing === undefined) return false;
  if (Deno.env.get("CI") === "true") {
    throw new MissingTestToolError(
      `CI=true, so this test may not skip: ${missing}; ` +
        "add what it needs to .ci/install",
    );
  }
  console.warn(`skipped: ${missing}`);
  return true;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}
