/**
 * The few libc calls qubesify needs and Deno does not offer, through
 * `Deno.dlopen`: a raw fd and mmap, for hugetlbfs, which refuses write();
 * rename/unlink, because Deno refuses every path under /dev (where
 * hugetlbfs is mounted) to a program without all permissions;
 * memfd_create, for the shared memory the display guard paints with; and
 * kill, because Deno.kill needs unrestricted run permission and asking
 * the kill program whether a process lives costs a process each time.
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

import { cString, LibcError, openLibcSymbols } from "./library.ts";

export { LibcError } from "./library.ts";

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

/** Writes reach only this mapping. */
export const MAP_PRIVATE = 0x02;
/** Memory not backed by any file. */
export const MAP_ANONYMOUS = 0x20;
/** memfd_create: close the fd on exec. */
export const MFD_CLOEXEC = 0x1;
/** memfd_create: let fcntl(F_ADD_SEALS) seal the file later. */
export const MFD_ALLOW_SEALING = 0x2;
/** (void *) -1 as an unsigned 64-bit address: what a failed mmap returns. */
export const MAP_FAILED = 0xffff_ffff_ffff_ffffn;

/**
 * mmap, munmap and memcpy in both directions between JS buffers and raw
 * addresses: what every binding that maps memory declares.
 */
export const MEMORY_SYMBOLS = {
  mmap: {
    parameters: ["usize", "usize", "i32", "i32", "i32", "i64"],
    result: "usize",
  },
  munmap: { parameters: ["usize", "usize"], result: "i32" },
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

const SYMBOLS = {
  ...MEMORY_SYMBOLS,
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  ftruncate: { parameters: ["i32", "i64"], result: "i32" },
  memfd_create: { parameters: ["buffer", "u32"], result: "i32" },
  rename: { parameters: ["buffer", "buffer"], result: "i32" },
  unlink: { parameters: ["buffer"], result: "i32" },
  stat: { parameters: ["buffer", "buffer"], result: "i32" },
  kill: { parameters: ["i32", "i32"], result: "i32" },
} as const;

/** `struct stat` on x86_64: 144 bytes; mode, uid and gid as u32 at 24, 28, 32. */
const STAT_SIZE = 144;

/** What {@linkcode Libc.stat} reports of a file. */
export interface FileOwnership {
  /** st_mode: type and permission bits. */
  mode: number;
  /** Owner. */
  uid: number;
  /** Group. */
  gid: number;
}

/** libc, opened; close it (or `using` it) when done. */
export interface Libc extends Disposable {
  /** open(2); returns the fd. */
  open(path: string, flags: number, mode?: number): number;
  /** close(2). */
  close(fd: number): void;
  /** ftruncate(2). */
  ftruncate(fd: number, length: number): void;
  /**
   * memfd_create(2): an anonymous file in memory, empty; returns the fd.
   * `name` (at most 249 bytes) only shows in /proc/PID/fd.
   */
  memfdCreate(name: string, flags: number): number;
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
  /**
   * stat(2): a file's mode and owner, also where Deno refuses to look
   * (device files, for a program without all permissions).
   */
  stat(path: string): FileOwnership;
  /**
   * kill(2): sends `signal` to the process `pid` (a positive pid only:
   * 0 and negative ones would signal process groups). Signal 0 sends
   * nothing and only asks whether the process exists: ESRCH if not,
   * EPERM if it exists but belongs to someone else.
   */
  kill(pid: number, signal: number): void;
  /** Unloads the library; pointers it returned must not be used after. */
  [Symbol.dispose](): void;
}

/**
 * Opens libc from the paths in `LIBC_PATHS`. Needs the `ffi` permission for
 * that path; throws when no candidate exists.
 */
export function openLibc(): Libc {
  const lib = openLibcSymbols(SYMBOLS);
  const s = lib.symbols;
  const check = (result: number, call: string, subject?: string) =>
    lib.check(result, call, subject);
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
    memfdCreate(name, flags) {
      return check(s.memfd_create(cString(name), flags), "memfd_create", name);
    },
    mmap(length, prot, flags, fd, offset) {
      const address = BigInt(
        s.mmap(0n, BigInt(length), prot, flags, fd, BigInt(offset)),
      );
      if (address === MAP_FAILED) throw new LibcError("mmap", lib.errno());
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
    stat(path) {
      const buffer = new Uint8Array(STAT_SIZE);
      check(s.stat(cString(path), buffer), "stat", path);
      const view = new DataView(buffer.buffer);
      return {
        mode: view.getUint32(24, true),
        uid: view.getUint32(28, true),
        gid: view.getUint32(32, true),
      };
    },
    unlink(path) {
      check(s.unlink(cString(path)), "unlink", path);
    },
    kill(pid, signal) {
      if (!Number.isInteger(pid) || pid <= 0 || pid > 0x7fff_ffff) {
        throw new RangeError(`not a process id: ${pid}`);
      }
      check(s.kill(pid, signal), "kill", String(pid));
    },
    [Symbol.dispose]() {
      lib[Symbol.dispose]();
    },
  };
}
