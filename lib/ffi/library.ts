/**
 * Opening libc through `Deno.dlopen`, and turning a failed call's errno
 * into a typed error. Each binding file of `lib/ffi/` declares only the
 * symbols it needs and opens them with {@linkcode openLibcSymbols}.
 *
 * errno is per thread, and a `nonblocking` FFI call runs on a pool thread,
 * so every binding here is synchronous and errno is read through
 * `__errno_location` right after the failing call, on the same thread.
 * Blocking work belongs in a Worker that owns its fds.
 *
 * @module
 */
import { QubesifyError } from "../errors/mod.ts";

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

/** errno values by name, as Linux numbers them on x86_64. */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EPIPE: 32,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  EOVERFLOW: 75,
  ENOTSOCK: 88,
  EPROTOTYPE: 91,
  EPROTONOSUPPORT: 93,
  EOPNOTSUPP: 95,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETUNREACH: 101,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOBUFS: 105,
  EISCONN: 106,
  ENOTCONN: 107,
  ESHUTDOWN: 108,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
  EALREADY: 114,
  EINPROGRESS: 115,
} as const;

const ERRNO_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(ERRNO).map(([name, value]) => [value, name]),
);

/** The name of an errno value (`"ENOENT"`), or `"errno <n>"` when unlisted. */
export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
}

/** A failed libc call: `code` is the errno's name, e.g. `"ENOMEM"`. */
export class LibcError extends QubesifyError {
  /** The call that failed, e.g. `"mmap"`. */
  readonly call: string;
  /** errno as a number. */
  readonly errno: number;
  /** errno's name (`"ENOENT"`), or `"errno <n>"` for one not listed. */
  readonly code: string;

  /** Describes `call` failing with `errno`; `subject` names what it was about. */
  constructor(call: string, errno: number, subject?: string) {
    const code = errnoName(errno);
    super(`${call}${subject ? ` ${subject}` : ""} failed: ${code}`);
    this.call = call;
    this.errno = errno;
    this.code = code;
  }
}

const ERRNO_SYMBOLS = {
  __errno_location: { parameters: [], result: "usize" },
  readErrno: {
    name: "memcpy",
    parameters: ["buffer", "usize", "usize"],
    result: "usize",
  },
} as const;

/** Symbols of libc, opened, with errno at hand. */
export interface LibcSymbols<S extends Deno.ForeignLibraryInterface>
  extends Disposable {
  /** The symbols asked for. */
  readonly symbols: Deno.DynamicLibrary<S>["symbols"];
  /** The calling thread's errno. */
  errno(): number;
  /**
   * Returns `result`, or throws a {@linkcode LibcError} for `call` when it
   * is -1 (the libc convention for failure).
   */
  check<T extends number | bigint>(
    result: T,
    call: string,
    subject?: string,
  ): T;
  /** Unloads the library; pointers it returned must not be used after. */
  [Symbol.dispose](): void;
}

/**
 * Finds libc in {@linkcode LIBC_PATHS}; throws naming the paths tried when
 * none exists.
 */
export function libcPath(): string {
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
  return path;
}

/**
 * Opens `symbols` from libc. Needs the `ffi` permission for libc's path
 * (see {@linkcode LIBC_PATHS}).
 */
export function openLibcSymbols<const S extends Deno.ForeignLibraryInterface>(
  symbols: S,
): LibcSymbols<S> {
  const path = libcPath();
  const lib = Deno.dlopen(path, symbols);
  const errnoLib = Deno.dlopen(path, ERRNO_SYMBOLS);
  const errno = () => {
    const value = new Int32Array(1);
    errnoLib.symbols.readErrno(
      value,
      BigInt(errnoLib.symbols.__errno_location()),
      4n,
    );
    return value[0];
  };
  return {
    symbols: lib.symbols,
    errno,
    check(result, call, subject) {
      if (result === -1 || result === -1n) {
        throw new LibcError(call, errno(), subject);
      }
      return result;
    },
    [Symbol.dispose]() {
      errnoLib.close();
      lib.close();
    },
  };
}

/** `text` as a NUL-terminated C string; refuses text holding a NUL. */
export function cString(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new TextEncoder().encode(text);
  if (bytes.includes(0)) throw new TypeError("string contains a NUL byte");
  const terminated = new Uint8Array(bytes.length + 1);
  terminated.set(bytes);
  return terminated;
}
