/**
 * Turning a root filesystem into a raw ext4 image sized to its content.
 *
 * @module
 */

/** e2fsprogs 1.47.1 is the first whose `mke2fs -d` reads a tarball. */
export const MKE2FS_READS_TARBALLS: readonly number[] = [1, 47, 1];

/** ext4 block size used for our images. */
export const BLOCK_SIZE = 4096;

/** What a filesystem tree holds, for sizing its image. */
export interface TreeSize {
  /** Bytes of file data, each file rounded up to whole blocks. */
  blockBytes: number;
  /** Number of files, directories and links (each needs an inode). */
  inodes: number;
}

/**
 * A first image size that certainly fits `tree`: data plus inode tables,
 * metadata slack and 64 MiB. {@linkcode shrinkArgs} then cuts the image down
 * to what the files really need.
 */
export function initialImageBytes(tree: TreeSize): number {
  const bytes = tree.blockBytes * 1.25 + tree.inodes * 512 + 64 * 2 ** 20;
  return Math.ceil(bytes / 2 ** 20) * 2 ** 20;
}

/** mke2fs argv: a read-only root filesystem filled from `source`. */
export function mke2fsArgs(
  options: { source: string; image: string; bytes: number; label: string },
): string[] {
  return [
    "-t",
    "ext4",
    "-F",
    "-q",
    "-L",
    options.label,
    "-b",
    String(BLOCK_SIZE),
    // Mounted read-only by every VM: no journal, no blocks reserved for root.
    "-O",
    "^has_journal",
    "-m",
    "0",
    "-E",
    "root_owner=0:0",
    "-d",
    options.source,
    options.image,
    `${options.bytes / 1024}k`,
  ];
}

/** resize2fs argv that shrinks the filesystem to its minimum size. */
export function shrinkArgs(image: string): string[] {
  // -f: the filesystem was created a moment ago, so the check resize2fs
  // insists on first would find nothing.
  return ["-f", "-M", image];
}

/**
 * Reads the size in bytes from resize2fs's closing line: the new size, or
 * the unchanged one when the filesystem was already at its minimum.
 */
export function parseResizedBytes(output: string): number | undefined {
  const match = /is (?:now|already) (\d+) \((\d+)k\) blocks long/.exec(output);
  return match ? Number(match[1]) * Number(match[2]) * 1024 : undefined;
}

/** Adds up a directory tree without following symlinks. */
export async function measureTree(root: string): Promise<TreeSize> {
  const size: TreeSize = { blockBytes: 0, inodes: 0 };
  const pending = [root];
  while (pending.length) {
    const dir = pending.pop()!;
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      size.inodes++;
      if (entry.isDirectory) {
        pending.push(path);
        size.blockBytes += BLOCK_SIZE;
      } else if (entry.isFile) {
        const { size: bytes } = await Deno.lstat(path);
        size.blockBytes += Math.ceil(bytes / BLOCK_SIZE) * BLOCK_SIZE;
      }
    }
  }
  return size;
}
