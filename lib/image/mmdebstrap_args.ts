/**
 * The mmdebstrap command line for a template, as a pure function.
 *
 * @module
 */
import { basename } from "node:path";

/**
 * `root` writes a directory (any route works as root); `unshare` is the
 * rootless route and writes a tarball that mke2fs reads.
 */
export type BuildMode = "root" | "unshare";

/** What {@linkcode mmdebstrapArgs} needs. */
export interface MmdebstrapPlan {
  /** Debian suite, e.g. `trixie`. */
  suite: string;
  /** Debian mirror URL. */
  mirror: string;
  /** Packages beyond minbase: the template's and the guest contract's. */
  packages: readonly string[];
  /** How mmdebstrap gets the privileges to create files owned by root. */
  mode: BuildMode;
  /** Output: a directory (root mode) or a `.tar` file (unshare mode). */
  output: string;
  /**
   * Tarball of our guest files, unpacked over the finished system. Its
   * base name must be plain (letters, digits, `.`, `_`, `-`).
   */
  guestFiles: string;
  /** Directory that receives the image's dpkg status file, for the manifest. */
  statusOut: string;
}

/** The argv (without the program name) for one template build. */
export function mmdebstrapArgs(plan: MmdebstrapPlan): string[] {
  const packages = [...new Set(plan.packages)].sort();
  const tarball = basename(plan.guestFiles);
  if (!/^[\w.-]+$/.test(tarball)) {
    throw new RangeError(`"${tarball}": expected a plain file name`);
  }
  return [
    `--mode=${plan.mode}`,
    "--variant=minbase",
    `--format=${plan.mode === "root" ? "directory" : "tar"}`,
    ...(packages.length ? [`--include=${packages.join(",")}`] : []),
    // Our files last, so resolv.conf and hostname are ours, not the build
    // host's. They are unpacked by the guest's tar inside a chroot, not by
    // mmdebstrap's tar-in, whose tar runs on the host: there a package's
    // absolute link (/var/run -> /run) leads a file out of the image.
    `--customize-hook=copy-in ${plan.guestFiles} /tmp`,
    `--customize-hook=chroot "$1" tar --extract --file /tmp/${tarball} --directory /`,
    `--customize-hook=rm "$1/tmp/${tarball}"`,
    `--customize-hook=copy-out /var/lib/dpkg/status ${plan.statusOut}`,
    plan.suite,
    plan.output,
    plan.mirror,
  ];
}

/** Packages the guest contract needs, given what the template's apps use. */
export function guestContractPackages(
  uses: { display: boolean; audio: boolean },
): string[] {
  // socat forwards the pulse socket and the egress proxy port over vsock.
  const packages = ["socat"];
  if (uses.display) packages.push("waypipe");
  if (uses.audio) packages.push("libpulse0");
  return packages;
}
