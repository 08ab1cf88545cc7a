/**
 * The few libc calls qubesify needs and Deno does not offer, through
 * `Deno.dlopen`: a raw fd and mmap, for hugetlbfs, which refuses write();
 * and rename/unlink, because Deno refuses every path under /dev (where
 * hugetlbfs is mounted) to a program without all permissions.
 *
 * Every call here is synchronous on purpose: errno is per thread, and a
 * `nonblocking` FFI call runs on a pool thread, so errno is read through
 * `__errno_location` right after the failing call, on the same thread.
 *
 * Addresses are plain numbers (`usize`) and mapped memory is reached with
 * memcpy, never through `Deno.UnsafePointer`/`UnsafePointerView`: those
 * need the unscoped `ffi` permission, while calling symbols needs only
 * `ffi` for the library's path, which is all the orchestrator is given.
 *
 * @module
 */

// open flags and mmap protections/flags as Linux defines them on x86_64.

/** Open for reading only. */
export const O_RDONLY = 0;
/** Open for reading and writing. */
export const O_RDWR = 0o2;
/** Create the file when missing. */
export const O_CREAT = 0o100;
/** With O_CREAT: fail when the file exists. */
export const O_EXCL = 0o200;
/** Do not leak the fd into spawned processes (QEMU). */
export const O_CLOEXEC = 0o2000000;
/** Pages may be read. */
export const PROT_READ = 0x1;
/** Pages may be written. */
export const PROT_WRITE = 0x2;
/** Writes reach the file and other mappings of it. */
export const MAP_SHARED = 0x01;

/**
 * Where libc lives on the hosts qubesify supports. Deno resolves a bare
 * library name against the working folder for its permission check, so an
 * `ffi` allow list must name absolute paths and so must we.
 */
export const LIBC_PATHS: readonly string[] = [
  "/lib/x86_64-linux-gnu/libc.so.6", // Debian, Ubuntu
  "/usr/lib/x86_64-linux-gnu/libc.so.6",
  "/lib64/libc.so.6", // Fedora, Silverblue
  "/usr/lib64/libc.so.6",
];

const SYMBOLS = {
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  ftruncate: { parameters: ["i32", "i64"], result: "i32" },
  mmap: {
    parameters: ["usize", "usize", "i32", "i32", "i32", "i64"],
    result: "usize",
  },
  munmap: { parameters: ["usize", "usize"], result: "i32" },
  rename: { parameters: ["buffer", "buffer"], result: "i32" },
  unlink: { parameters: ["buffer"], result: "i32" },
  __errno_location: { parameters: [], result: "usize" },
  // memcpy in both directions between JS buffers and raw addresses.
  copyToAddress: {
    name: "memcpy",
    parameters: ["usize", "buffer", "usize"],
    result: "usize",
  },
  copyFromAddress: {
    name: "memcpy",
    parameters: ["buffer", "usize", "usize"],
    result: "usize",
  },
} as const;

/** Names of the errno values a caller may want to tell apart. */
const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM",
  2: "ENOENT",
  4: "EINTR",
  5: "EIO",
  9: "EBADF",
  11: "EAGAIN",
  12: "ENOMEM",
  13: "EACCES",
  14: "EFAULT",
  16: "EBUSY",
  17: "EEXIST",
  19: "ENODEV",
  20: "ENOTDIR",
  21: "EISDIR",
  22: "EINVAL",
  23: "ENFILE",
  24: "EMFILE",
  27: "EFBIG",
  28: "ENOSPC",
  30: "EROFS",
  36: "ENAMETOOLONG",
  75: "EOVERFLOW",
};

/** A failed libc call: `code` is the errno's name, e.g. `"ENOMEM"`. */
export class LibcError extends Error {
  /** The call that failed, e.g. `"mmap"`. */
  readonly call: string;
  /** errno as a number. */
  readonly errno: number;
  /** errno's name (`"ENOENT"`), or `"errno <n>"` for one not listed. */
  readonly code: string;

  /** Describes `call` failing with `errno`; `subject` names what it was about. */
  constructor(call: string, errno: number, subject?: string) {
    const code = ERRNO_NAMES[errno] ?? `errno ${errno}`;
    super(`${call}${subject ? ` ${subject}` : ""} failed: ${code}`);
    this.name = "LibcError";
    this.call = call;
    this.errno = errno;
    this.code = code;
  }
}

/** libc, opened; close it (or `using` it) when done. */
export interface Libc extends Disposable {
  /** open(2); returns the fd. */
  open(path: string, flags: number, mode?: number): number;
  /** close(2). */
  close(fd: number): void;
  /** ftruncate(2). */
  ftruncate(fd: number, length: number): void;
  /** mmap(2) at an address of the kernel's choice; returns the address. */
  mmap(
    length: number,
    prot: number,
    flags: number,
    fd: number,
    offset: number,
  ): bigint;
  /** munmap(2). */
  munmap(address: bigint, length: number): void;
  /**
   * Copies `bytes` to `address + offset`, which must be mapped writable
   * for all of them: a wrong address crashes the process.
   */
  writeMemory(address: bigint, offset: number, bytes: Uint8Array): void;
  /** Fills `into` from `address + offset` (mapped readable). */
  readMemory(address: bigint, offset: number, into: Uint8Array): void;
  /** rename(2). */
  rename(from: string, to: string): void;
  /** unlink(2). */
  unlink(path: string): void;
  /** Unloads the library; pointers it returned must not be used after. */
  [Symbol.dispose](): void;
}

/** (void *) -1 as an unsigned 64-bit address. */
const MAP_FAILED = 0xffff_ffff_ffff_ffffn;

/**
 * Opens libc from {@linkcode LIBC_PATHS}. Needs the `ffi` permission for
 * that path; throws when no candidate exists.
 */
export function openLibc(): Libc {
  const path = LIBC_PATHS.find((candidate) => {
    try {
      return Deno.statSync(candidate).isFile;
    } catch {
      return false;
    }
  });
  if (!path) {
    throw new Error(`libc not found (looked for ${LIBC_PATHS.join(", ")})`);
  }
  const lib = Deno.dlopen(path, SYMBOLS);
  const s = lib.symbols;
  const errno = () => {
    const value = new Int32Array(1);
    s.copyFromAddress(value, BigInt(s.__errno_location()), 4n);
    return value[0];
  };
  const check = (result: number, call: string, subject?: string) => {
    if (result === -1) throw new LibcError(call, errno(), subject);
    return result;
  };
  return {
    open(path, flags, mode = 0o600) {
      return check(s.open(cString(path), flags, mode), "open", path);
    },
    close(fd) {
      check(s.close(fd), "close");
    },
    ftruncate(fd, length) {
      check(s.ftruncate(fd, BigInt(length)), "ftruncate");
    },
    mmap(length, prot, flags, fd, offset) {
      const address = BigInt(
        s.mmap(0n, BigInt(length), prot, flags, fd, BigInt(offset)),
      );
      if (address === MAP_FAILED) throw new LibcError("mmap", errno());
      return address;
    },
    munmap(address, length) {
      check(s.munmap(address, BigInt(length)), "munmap");
    },
    writeMemory(address, offset, bytes) {
      s.copyToAddress(
        address + BigInt(offset),
        bytes,
        BigInt(bytes.byteLength),
      );
    },
    readMemory(address, offset, into) {
      s.copyFromAddress(
        into,
        address + BigInt(offset),
        BigInt(into.byteLength),
      );
    },
    rename(from, to) {
      check(s.rename(cString(from), cString(to)), "rename", from);
    },
    unlink(path) {
      check(s.unlink(cString(path)), "unlink", path);
    },
    [Symbol.dispose]() {
      lib.close();
    },
  };
}

function cString(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new TextEncoder().encode(text);
  if (bytes.includes(0)) throw new TypeError("path contains a NUL byte");
  const terminated = new Uint8Array(bytes.length + 1);
  terminated.set(bytes);
  return terminated;
}
