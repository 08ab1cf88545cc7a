/**
 * A tiny root file system for VM tests that boot their own guest: busybox,
 * the test's script where the kernel command line of `run` looks for the
 * guest init ({@linkcode GUEST_INIT}), and any programs the test adds.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { GUEST_INIT } from "../../lib/guest/mod.ts";
import { mustRun } from "../must_run.ts";

/** What {@linkcode makeBusyboxRoot} puts into the image. */
export interface BusyboxRootOptions {
  /** Scratch folder; the image is written inside it. */
  dir: string;
  /** The guest's PID 1, a busybox sh script (`#!/bin/busybox sh`). */
  init: string;
  /** More executables: guest path → host file. */
  programs?: Record<string, string>;
  /** A statically linked busybox (Debian: busybox-static). */
  busybox?: string;
  /** Image size in MiB. */
  sizeMiB?: number;
}

/** Builds an ext4 image of the tree; returns its path. */
export async function makeBusyboxRoot(
  options: BusyboxRootOptions,
): Promise<string> {
  const tree = join(options.dir, "root");
  for (const sub of ["dev", "proc", "sys", "tmp", "mnt"]) {
    await Deno.mkdir(join(tree, sub), { recursive: true });
  }
  const files: [string, Uint8Array][] = [
    [GUEST_INIT, new TextEncoder().encode(options.init)],
  ];
  const programs = {
    "/bin/busybox": options.busybox ?? "/usr/bin/busybox",
    ...options.programs,
  };
  for (const [guestPath, hostPath] of Object.entries(programs)) {
    files.push([guestPath, await Deno.readFile(hostPath)]);
  }
  for (const [guestPath, bytes] of files) {
    const path = join(tree, guestPath);
    await Deno.mkdir(dirname(path), { recursive: true });
    await Deno.writeFile(path, bytes, { mode: 0o755 });
    // The umask may have taken bits off the mode.
    await Deno.chmod(path, 0o755);
  }
  const image = join(options.dir, "root.ext4");
  await mustRun("mke2fs", [
    "-q",
    "-F",
    "-t",
    "ext4",
    "-d",
    tree,
    image,
    `${options.sizeMiB ?? 16}M`,
  ]);
  return image;
}
