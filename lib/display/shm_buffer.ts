/**
 * Shared memory the guard paints its own surfaces with (the trusted window
 * frames): an anonymous memfd, sized with ftruncate, filled through a
 * shared mapping, and handed to the compositor as an fd (wl_shm.create_pool
 * carries it with SCM_RIGHTS).
 *
 * The guard runs in a Worker whose only FFI permission is libc's path, so
 * the memory is written with memcpy to a numeric address (lib/ffi/libc.ts),
 * never through `Deno.UnsafePointerView`.
 *
 * Ownership: every fd returned here is the caller's to close. Sending it
 * to the compositor duplicates it, so the caller closes its copy once the
 * message that carries it has been sent (or dropped). The mapping is gone
 * by the time a buffer is returned; nothing else needs releasing.
 *
 * @example
 * ```ts
 * import { createSolidBuffer } from "./shm_buffer.ts";
 * import { openLibc } from "../ffi/mod.ts";
 * using libc = openLibc();
 * const buffer = createSolidBuffer({ libc, width: 64, height: 4, colour: "red" });
 * // …send buffer.fd with wl_shm.create_pool(size), then:
 * libc.close(buffer.fd);
 * ```
 *
 * @module
 */
import {
  type Libc,
  MAP_SHARED,
  MFD_ALLOW_SEALING,
  MFD_CLOEXEC,
  openLibc,
  PROT_READ,
  PROT_WRITE,
} from "../ffi/mod.ts";
import { argb8888, parseColour, type Rgb } from "./colour.ts";

/** wl_shm's format code for ARGB8888 (the format every compositor has). */
export const WL_SHM_FORMAT_ARGB8888 = 0;
/** Largest pool wl_shm accepts: create_pool's size is an int32. */
export const MAX_SHM_SIZE = 0x7fff_ffff;
/** The name the memfds carry in /proc/PID/fd, to tell them apart there. */
const MEMFD_NAME = "qubesify-display";
/** Bytes copied per memcpy while filling. */
const FILL_CHUNK = 64 * 1024;

/** A memfd mapped for writing. */
export interface ShmFile extends Disposable {
  /** The memfd: the caller's to close (disposing does not close it). */
  readonly fd: number;
  /** Its size in bytes. */
  readonly size: number;
  /** Copies `bytes` to `offset`; RangeError outside the file or once unmapped. */
  write(offset: number, bytes: Uint8Array): void;
  /** Unmaps the memory; the fd stays open. */
  [Symbol.dispose](): void;
}

/** Input to {@linkcode createShmFile}. */
export interface ShmFileOptions {
  /** Size in bytes, 1 to {@linkcode MAX_SHM_SIZE}. */
  size: number;
  /** libc to call; without it, one is opened and closed with the file. */
  libc?: Libc;
}

/**
 * A new zero-filled memfd of `size` bytes (close-on-exec, sealing
 * allowed), mapped shared and writable until disposed.
 */
export function createShmFile(options: ShmFileOptions): ShmFile {
  const { size } = options;
  checkSize(size);
  const owned = options.libc ? undefined : openLibc();
  const libc = options.libc ?? owned as Libc;
  let fd = -1;
  let address: bigint;
  try {
    fd = libc.memfdCreate(MEMFD_NAME, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    libc.ftruncate(fd, size);
    address = libc.mmap(size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  } catch (error) {
    if (fd >= 0) libc.close(fd);
    owned?.[Symbol.dispose]();
    throw error;
  }
  let mapped = true;
  return {
    fd,
    size,
    write(offset, bytes) {
      // memcpy past the mapping would crash the process, not throw.
      const end = offset + bytes.byteLength;
      if (!mapped || !Number.isInteger(offset) || offset < 0 || end > size) {
        throw new RangeError(
          `cannot write ${bytes.byteLength} bytes at ${offset} into ${
            mapped ? `${size} mapped bytes` : "an unmapped shm file"
          }`,
        );
      }
      libc.writeMemory(address, offset, bytes);
    },
    [Symbol.dispose]() {
      if (!mapped) return;
      mapped = false;
      libc.munmap(address, size);
      owned?.[Symbol.dispose]();
    },
  };
}

/** A filled shared-memory buffer, ready for wl_shm. */
export interface SolidBuffer {
  /** The memfd holding the pixels: the caller's to close. */
  fd: number;
  /** Bytes in the file: the wl_shm pool's size. */
  size: number;
  /** Pixels across. */
  width: number;
  /** Pixels down. */
  height: number;
  /** Bytes per row (width × 4). */
  stride: number;
  /** Pixel format ({@linkcode WL_SHM_FORMAT_ARGB8888} on the wire). */
  format: "argb8888";
}

/** Input to {@linkcode createSolidBuffer}. */
export interface SolidBufferOptions {
  /** Pixels across, at least 1. */
  width: number;
  /** Pixels down, at least 1. */
  height: number;
  /** Channels, or a palette name or `#rrggbb`. */
  colour: Rgb | string;
  /** libc to call; without it, one is opened for this call. */
  libc?: Libc;
}

/** A `width` × `height` ARGB8888 buffer of one opaque colour. */
export function createSolidBuffer(options: SolidBufferOptions): SolidBuffer {
  const { width, height } = options;
  checkDimension("width", width);
  checkDimension("height", height);
  const stride = width * 4;
  const size = stride * height;
  checkSize(size);
  const colour = typeof options.colour === "string"
    ? parseColour(options.colour)
    : options.colour;
  // One colour: every word is the same, so rows need no care.
  const chunk = new Uint8Array(Math.min(size, FILL_CHUNK));
  const words = new DataView(chunk.buffer);
  const pixel = argb8888(colour);
  for (let offset = 0; offset < chunk.length; offset += 4) {
    words.setUint32(offset, pixel, true);
  }
  using owned = options.libc ? undefined : openLibc();
  const libc = options.libc ?? owned as Libc;
  const file = createShmFile({ size, libc });
  try {
    using mapping = file;
    for (let offset = 0; offset < size; offset += chunk.length) {
      mapping.write(offset, chunk.subarray(0, size - offset));
    }
  } catch (error) {
    libc.close(file.fd);
    throw error;
  }
  return { fd: file.fd, size, width, height, stride, format: "argb8888" };
}

function checkDimension(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`expected a ${name} of at least 1, got ${value}`);
  }
}

function checkSize(size: number): void {
  if (!Number.isInteger(size) || size < 1 || size > MAX_SHM_SIZE) {
    throw new RangeError(
      `expected a shared memory size of 1 to ${MAX_SHM_SIZE} bytes, got ${size}`,
    );
  }
}
