/**
 * Filling a new hugetlbfs file with an image. hugetlbfs refuses write(),
 * so the bytes go through a shared mmap (libc through FFI); QEMU reads
 * them back with pread, which hugetlbfs supports.
 *
 * Deno refuses every path under /dev to a program without all permissions,
 * so the file is opened through libc too.
 *
 * @example
 * ```ts ignore
 * import { openLibc } from "../ffi/mod.ts";
 * import { copyIntoHugetlbfs } from "./hugetlbfs_writer.ts";
 * using libc = openLibc();
 * await copyIntoHugetlbfs({
 *   libc,
 *   image: "smoke.img",
 *   target: "/dev/hugepages/smoke.img",
 *   imageBytes: (await Deno.stat("smoke.img")).size,
 *   pageBytes: 2 * 2 ** 20,
 * });
 * ```
 *
 * @module
 */
import {
  type Libc,
  MAP_SHARED,
  O_CLOEXEC,
  O_CREAT,
  O_EXCL,
  O_RDWR,
  PROT_READ,
  PROT_WRITE,
} from "../ffi/mod.ts";
import { hugePagesFor } from "./hugepage_pool.ts";

/** Bytes mapped at once: large images are copied in windows of this size. */
const WINDOW_BYTES = 64 * 2 ** 20;

/** Bytes read from the image before they are copied into the mapping. */
const CHUNK_BYTES = 4 * 2 ** 20;

/** What {@linkcode copyIntoHugetlbfs} copies where. */
export interface HugetlbfsCopyOptions {
  /** Opens, maps and writes the target. */
  libc: Libc;
  /** The file to copy. */
  image: string;
  /** The hugetlbfs file to create; it must not exist. */
  target: string;
  /** Bytes of `image` to copy. */
  imageBytes: number;
  /** The huge page size of the target's mount. */
  pageBytes: number;
  /**
   * Bytes mapped at once, rounded down to whole pages (64 MiB unless
   * given; tests map less to cross windows with a small image).
   */
  windowBytes?: number;
}

/**
 * Writes the image into a new hugetlbfs file through shared mappings, one
 * window at a time so a large image never needs one giant mapping. The
 * file's size is rounded up to whole huge pages (hugetlbfs refuses any
 * other); the tail past the image reads as zeros. Throws the `LibcError`
 * of the call that failed: ENOMEM or ENOSPC when the huge pages ran out.
 */
export async function copyIntoHugetlbfs(
  options: HugetlbfsCopyOptions,
): Promise<void> {
  const { libc, image, imageBytes, pageBytes } = options;
  const fileBytes = hugePagesFor(imageBytes, pageBytes) * pageBytes;
  const window = Math.max(
    pageBytes,
    Math.floor((options.windowBytes ?? WINDOW_BYTES) / pageBytes) * pageBytes,
  );
  using source = await Deno.open(image, { read: true });
  const chunk = new Uint8Array(CHUNK_BYTES);
  // O_EXCL: a partial copy left over is never reused; the sharing
  // protocol's sweep removes it.
  const fd = libc.open(
    options.target,
    O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC,
    0o600,
  );
  try {
    libc.ftruncate(fd, fileBytes);
    for (let offset = 0; offset < imageBytes; offset += window) {
      const length = Math.min(window, fileBytes - offset);
      // A shared hugetlbfs mapping reserves its pages here (ENOMEM when too
      // few), so touching them later cannot fail with SIGBUS.
      const address = libc.mmap(
        length,
        PROT_READ | PROT_WRITE,
        MAP_SHARED,
        fd,
        offset,
      );
      try {
        const wanted = Math.min(length, imageBytes - offset);
        for (let filled = 0; filled < wanted;) {
          const read = await source.read(
            chunk.subarray(0, Math.min(chunk.length, wanted - filled)),
          );
          if (read === null) {
            throw new Error(`${image} shrank while it was being copied`);
          }
          libc.writeMemory(address, filled, chunk.subarray(0, read));
          filled += read;
        }
      } finally {
        libc.munmap(address, length);
      }
    }
  } finally {
    libc.close(fd);
  }
}
