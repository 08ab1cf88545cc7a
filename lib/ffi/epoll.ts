/**
 * epoll through libc: one fd that waits on many. epoll_wait blocks the
 * calling thread, which is the point: a relay Worker sleeps in it instead
 * of polling.
 *
 * `struct epoll_event` is packed on x86_64: a u32 event mask then a u64 of
 * user data, 12 bytes. The data here is a u32 the caller chooses (e.g. a
 * connection slot); the upper half is always zero.
 *
 * Synchronous calls only: errno is per thread (see lib/ffi/library.ts).
 *
 * @module
 */

import { ERRNO, LibcError, openLibcSymbols } from "./library.ts";

/** Readable (or a listener has a connection waiting). */
export const EPOLLIN = 0x001;
/** Urgent data. */
export const EPOLLPRI = 0x002;
/** Writable. */
export const EPOLLOUT = 0x004;
/** An error is pending; always reported. */
export const EPOLLERR = 0x008;
/** Hung up (both directions shut); always reported. */
export const EPOLLHUP = 0x010;
/** The peer shut down its writing side. */
export const EPOLLRDHUP = 0x2000;
/** Report once per state change (edge) instead of while ready (level). */
export const EPOLLET = 0x8000_0000;
/** epoll_create1 flag: close on exec. */
export const EPOLL_CLOEXEC = 0o2000000;
/** epoll_ctl: add an fd. */
export const EPOLL_CTL_ADD = 1;
/** epoll_ctl: remove an fd. */
export const EPOLL_CTL_DEL = 2;
/** epoll_ctl: change an fd's events or data. */
export const EPOLL_CTL_MOD = 3;
/** sizeof(struct epoll_event) on x86_64 (packed). */
export const EPOLL_EVENT_SIZE = 12;

const SYMBOLS = {
  epoll_create1: { parameters: ["i32"], result: "i32" },
  epoll_ctl: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  epoll_wait: { parameters: ["i32", "buffer", "i32", "i32"], result: "i32" },
} as const;

/** Room for the events one epoll_wait returns, and a reader for them. */
export class EpollEvents {
  /** The raw array of `struct epoll_event`. */
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly #view: DataView;

  /** Room for `capacity` events. */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`event capacity must be a positive integer`);
    }
    this.bytes = new Uint8Array(capacity * EPOLL_EVENT_SIZE);
    this.#view = new DataView(this.bytes.buffer);
  }

  /** How many events fit. */
  get capacity(): number {
    return this.bytes.length / EPOLL_EVENT_SIZE;
  }

  /** Event mask of the `index`th event. */
  events(index: number): number {
    return this.#view.getUint32(index * EPOLL_EVENT_SIZE, true);
  }

  /** User data of the `index`th event. */
  data(index: number): number {
    return this.#view.getUint32(index * EPOLL_EVENT_SIZE + 4, true);
  }
}

/** epoll calls, opened; dispose when done. */
export interface EpollApi extends Disposable {
  /** epoll_create1(EPOLL_CLOEXEC): a new epoll fd. */
  create(): number;
  /** Watches `fd` for `events`, reporting `data` with them. */
  add(epfd: number, fd: number, events: number, data: number): void;
  /** Changes what `fd` is watched for. */
  modify(epfd: number, fd: number, events: number, data: number): void;
  /** Stops watching `fd`. */
  remove(epfd: number, fd: number): void;
  /**
   * epoll_wait(2): blocks up to `timeoutMs` (-1: until an event) and
   * returns how many events `into` now holds; 0 when interrupted (EINTR).
   */
  wait(epfd: number, into: EpollEvents, timeoutMs: number): number;
}

/** Opens the epoll calls of libc (needs `ffi` for libc's path). */
export function openEpollApi(): EpollApi {
  const lib = openLibcSymbols(SYMBOLS);
  const s = lib.symbols;
  const event = new Uint8Array(EPOLL_EVENT_SIZE);
  const eventView = new DataView(event.buffer);
  const control = (
    op: number,
    epfd: number,
    fd: number,
    events: number,
    data: number,
  ) => {
    eventView.setUint32(0, events >>> 0, true);
    eventView.setUint32(4, data >>> 0, true);
    eventView.setUint32(8, 0, true);
    lib.check(s.epoll_ctl(epfd, op, fd, event), "epoll_ctl", `fd ${fd}`);
  };
  return {
    create() {
      return lib.check(s.epoll_create1(EPOLL_CLOEXEC), "epoll_create1");
    },
    add: (epfd, fd, events, data) =>
      control(EPOLL_CTL_ADD, epfd, fd, events, data),
    modify: (epfd, fd, events, data) =>
      control(EPOLL_CTL_MOD, epfd, fd, events, data),
    remove: (epfd, fd) => control(EPOLL_CTL_DEL, epfd, fd, 0, 0),
    wait(epfd, into, timeoutMs) {
      const count = s.epoll_wait(epfd, into.bytes, into.capacity, timeoutMs);
      if (count >= 0) return count;
      const errno = lib.errno();
      if (errno === ERRNO.EINTR) return 0;
      throw new LibcError("epoll_wait", errno);
    },
    [Symbol.dispose]() {
      lib[Symbol.dispose]();
    },
  };
}
