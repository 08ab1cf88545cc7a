/**
 * The file name of a template image's copy in hugetlbfs: which runtime
 * folder's VMs share it, and which version of the image it holds.
 *
 * @example
 * ```ts
 * import { hugepageCopyName } from "./hugepage_copy_name.ts";
 * // qubesify-<runtime hash>-smoke-1.img-<image hash>
 * console.log(hugepageCopyName({
 *   image: "/data/images/smoke/1.img",
 *   imageBytes: 123,
 *   imageMtimeMs: 1000,
 *   runtimeDir: "/run/user/1000/qubesify",
 * }));
 * ```
 *
 * @module
 */
import { createHash } from "node:crypto";
import { basename, dirname } from "node:path";

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
