/**
 * sendmsg/recvmsg with SCM_RIGHTS: bytes and open file descriptors over a
 * UNIX socket, as the vhost-user protocol passes guest memory and eventfds.
 *
 * `struct msghdr` holds pointers, and a JS buffer's address is out of reach
 * under the orchestrator's scoped `ffi` permission, so the message header,
 * the iovec, the control buffer and the bytes themselves live in one
 * anonymous mapping this module owns; bytes move in and out with memcpy.
 *
 * Layouts (x86_64): msghdr is 56 bytes (name, namelen+pad, iov, iovlen,
 * control, controllen, flags+pad), iovec 16, cmsghdr 16 (len as size_t,
 * level, type) followed by the fds, each cmsg padded to 8 bytes.
 *
 * Synchronous calls only: errno is per thread (see lib/ffi/library.ts).
 *
 * @module
 */

import { ERRNO, LibcError, openLibcSymbols } from "./library.ts";
import {
  MAP_ANONYMOUS,
  MAP_FAILED,
  MAP_PRIVATE,
  MEMORY_SYMBOLS,
  PROT_READ,
  PROT_WRITE,
} from "./libc.ts";
import { SOL_SOCKET } from "./socket.ts";

/** Control message carrying file descriptors. */
export const SCM_RIGHTS = 1;
/** recvmsg: some control data was dropped for lack of room. */
export const MSG_CTRUNC = 0x8;
/** recvmsg: wait for the full length (stream sockets). */
export const MSG_WAITALL = 0x100;
/** sendmsg: EPIPE instead of SIGPIPE. */
export const MSG_NOSIGNAL = 0x4000;
/** recvmsg: received fds are close-on-exec. */
export const MSG_CMSG_CLOEXEC = 0x4000_0000;
/** The most fds one message may carry (Linux SCM_MAX_FD). */
export const SCM_MAX_FD = 253;

const MSGHDR_AT = 0;
const IOVEC_AT = 64;
const CONTROL_AT = 128;
const CONTROL_SIZE = 16 + SCM_MAX_FD * 4 + 4; // CMSG_SPACE(253 fds)
const DATA_AT = 2048;
/** Bytes one call moves at most; callers loop for more. */
export const FD_PASSING_MAX_BYTES = 64 * 1024;
const SCRATCH_SIZE = DATA_AT + FD_PASSING_MAX_BYTES;

const SYMBOLS = {
  ...MEMORY_SYMBOLS,
  recvmsg: { parameters: ["i32", "usize", "i32"], result: "isize" },
  sendmsg: { parameters: ["i32", "usize", "i32"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
} as const;

/** What one {@linkcode FdPassingApi.receive} got. */
export interface Received {
  /** Bytes placed at the start of the buffer; 0 means end of file. */
  readonly length: number;
  /** File descriptors that came with them (close-on-exec), in order. */
  readonly fds: number[];
}

/** Options of {@linkcode FdPassingApi.receive}. */
export interface ReceiveOptions {
  /** Block until the buffer is full (or end of file), MSG_WAITALL. */
  waitAll?: boolean;
}

/** sendmsg/recvmsg with fds, opened; dispose when done. */
export interface FdPassingApi extends Disposable {
  /**
   * recvmsg(2) into `into` (at most {@linkcode FD_PASSING_MAX_BYTES}):
   * the bytes and fds received, or undefined on a non-blocking socket with
   * nothing waiting (EAGAIN). Retries on EINTR. Throws when the kernel had
   * to drop fds (MSG_CTRUNC), after closing those that arrived.
   */
  receive(
    fd: number,
    into: Uint8Array,
    options?: ReceiveOptions,
  ): Received | undefined;
  /**
   * sendmsg(2) of `bytes` (at most {@linkcode FD_PASSING_MAX_BYTES}) with
   * `fds` attached: the count of bytes sent, or undefined for EAGAIN.
   * Never raises SIGPIPE (EPIPE throws instead).
   */
  send(fd: number, bytes: Uint8Array, fds?: readonly number[]):
    | number
    | undefined;
}

/** 8-byte alignment of control messages on x86_64. */
function align8(value: number): number {
  return (value + 7) & ~7;
}

/**
 * The fds in a control buffer (`controlLength` bytes of `control`): every
 * SOL_SOCKET/SCM_RIGHTS message, in order. Pure; exported for tests.
 */
export function parseRightsMessages(
  control: Uint8Array,
  controlLength: number,
): number[] {
  const view = new DataView(
    control.buffer,
    control.byteOffset,
    control.byteLength,
  );
  const end = Math.min(controlLength, control.byteLength);
  const fds: number[] = [];
  let at = 0;
  while (at + 16 <= end) {
    const length = Number(view.getBigUint64(at, true));
    if (length < 16 || at + length > end) break;
    const level = view.getInt32(at + 8, true);
    const type = view.getInt32(at + 12, true);
    if (level === SOL_SOCKET && type === SCM_RIGHTS) {
      for (let p = at + 16; p + 4 <= at + length; p += 4) {
        fds.push(view.getInt32(p, true));
      }
    }
    at += align8(length);
  }
  return fds;
}

/**
 * A control buffer carrying `fds` as one SCM_RIGHTS message; empty when
 * there are none. Pure; exported for tests.
 */
export function encodeRightsMessage(fds: readonly number[]): Uint8Array {
  if (fds.length === 0) return new Uint8Array(0);
  if (fds.length > SCM_MAX_FD) {
    throw new RangeError(`at most ${SCM_MAX_FD} fds per message`);
  }
  const length = 16 + fds.length * 4;
  const bytes = new Uint8Array(align8(length));
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(length), true);
  view.setInt32(8, SOL_SOCKET, true);
  view.setInt32(12, SCM_RIGHTS, true);
  fds.forEach((fd, i) => view.setInt32(16 + i * 4, fd, true));
  return bytes;
}

/** Opens sendmsg/recvmsg (needs `ffi` for libc's path). */
export function openFdPassingApi(): FdPassingApi {
  const lib = openLibcSymbols(SYMBOLS);
  const s = lib.symbols;
  const base = BigInt(
    s.mmap(
      0n,
      BigInt(SCRATCH_SIZE),
      PROT_READ | PROT_WRITE,
      MAP_PRIVATE | MAP_ANONYMOUS,
      -1,
      0n,
    ),
  );
  if (base === MAP_FAILED) {
    const errno = lib.errno();
    lib[Symbol.dispose]();
    throw new LibcError("mmap", errno, "fd passing scratch");
  }
  const header = new Uint8Array(CONTROL_AT + CONTROL_SIZE);
  const headerView = new DataView(header.buffer);

  // Fills msghdr and iovec for `length` data bytes and `controlLength`
  // bytes of control room, then copies them into the scratch mapping.
  const prepare = (length: number, controlLength: number) => {
    header.fill(0, 0, CONTROL_AT);
    headerView.setBigUint64(MSGHDR_AT + 16, base + BigInt(IOVEC_AT), true);
    headerView.setBigUint64(MSGHDR_AT + 24, 1n, true);
    if (controlLength > 0) {
      headerView.setBigUint64(
        MSGHDR_AT + 32,
        base + BigInt(CONTROL_AT),
        true,
      );
      headerView.setBigUint64(MSGHDR_AT + 40, BigInt(controlLength), true);
    }
    headerView.setBigUint64(IOVEC_AT, base + BigInt(DATA_AT), true);
    headerView.setBigUint64(IOVEC_AT + 8, BigInt(length), true);
  };

  return {
    receive(fd, into, options) {
      const length = Math.min(into.length, FD_PASSING_MAX_BYTES);
      prepare(length, CONTROL_SIZE);
      header.fill(0, CONTROL_AT);
      s.copyToAddress(base, header, BigInt(header.length));
      const flags = MSG_CMSG_CLOEXEC | (options?.waitAll ? MSG_WAITALL : 0);
      let count: number;
      while (true) {
        count = Number(s.recvmsg(fd, base + BigInt(MSGHDR_AT), flags));
        if (count >= 0) break;
        const errno = lib.errno();
        if (errno === ERRNO.EINTR) continue;
        if (errno === ERRNO.EAGAIN) return undefined;
        throw new LibcError("recvmsg", errno, `fd ${fd}`);
      }
      s.copyFromAddress(header, base, BigInt(header.length));
      const controlLength = Number(
        headerView.getBigUint64(MSGHDR_AT + 40, true),
      );
      const msgFlags = headerView.getInt32(MSGHDR_AT + 48, true);
      const fds = parseRightsMessages(
        header.subarray(CONTROL_AT),
        controlLength,
      );
      if (msgFlags & MSG_CTRUNC) {
        for (const received of fds) s.close(received);
        throw new Error(
          `recvmsg on fd ${fd}: more file descriptors than room for them (MSG_CTRUNC)`,
        );
      }
      if (count > 0) {
        s.copyFromAddress(
          into.subarray(0, count) as Uint8Array<ArrayBuffer>,
          base + BigInt(DATA_AT),
          BigInt(count),
        );
      }
      return { length: count, fds };
    },
    send(fd, bytes, fds = []) {
      if (bytes.length > FD_PASSING_MAX_BYTES) {
        throw new RangeError(
          `at most ${FD_PASSING_MAX_BYTES} bytes per message, got ${bytes.length}`,
        );
      }
      const control = encodeRightsMessage(fds);
      prepare(bytes.length, control.length);
      header.set(control, CONTROL_AT);
      s.copyToAddress(base, header, BigInt(CONTROL_AT + control.length));
      if (bytes.length > 0) {
        s.copyToAddress(
          base + BigInt(DATA_AT),
          bytes as Uint8Array<ArrayBuffer>,
          BigInt(bytes.length),
        );
      }
      while (true) {
        const count = Number(
          s.sendmsg(fd, base + BigInt(MSGHDR_AT), MSG_NOSIGNAL),
        );
        if (count >= 0) return count;
        const errno = lib.errno();
        if (errno === ERRNO.EINTR) continue;
        if (errno === ERRNO.EAGAIN) return undefined;
        throw new LibcError("sendmsg", errno, `fd ${fd}`);
      }
    },
    [Symbol.dispose]() {
      s.munmap(base, BigInt(SCRATCH_SIZE));
      lib[Symbol.dispose]();
    },
  };
}
