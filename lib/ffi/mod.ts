/**
 * libc through Deno FFI: sockets (UNIX and vsock), socket addresses, epoll,
 * pipes and splice, plain fd calls, SCM_RIGHTS, eventfd and mmap. One opener
 * (`library.ts`) reads errno on the calling thread and throws
 * {@linkcode LibcError} with the errno's name.
 *
 * Every call here is synchronous: errno is per thread, and a `nonblocking`
 * FFI call would run on a pool thread. Blocking work belongs in a Worker
 * with an epoll loop (see lib/relay and lib/vsock).
 *
 * @example
 * ```ts
 * import { AF_UNIX, openSocketApi, SOCK_STREAM } from "./mod.ts";
 * using sockets = openSocketApi();
 * const fd = sockets.socket(AF_UNIX, SOCK_STREAM);
 * ```
 *
 * @module
 */
export {
  EPOLL_CLOEXEC,
  EPOLL_CTL_ADD,
  EPOLL_CTL_DEL,
  EPOLL_CTL_MOD,
  EPOLL_EVENT_SIZE,
  type EpollApi,
  EPOLLERR,
  EPOLLET,
  EpollEvents,
  EPOLLHUP,
  EPOLLIN,
  EPOLLOUT,
  EPOLLPRI,
  EPOLLRDHUP,
  openEpollApi,
} from "./epoll.ts";
export {
  EFD_CLOEXEC,
  EFD_NONBLOCK,
  type EventFdApi,
  openEventFdApi,
} from "./eventfd.ts";
export { F_GETFL, F_SETFL, type FdApi, O_NONBLOCK, openFdApi } from "./fd.ts";
export {
  encodeRightsMessage,
  FD_PASSING_MAX_BYTES,
  type FdPassingApi,
  MSG_CMSG_CLOEXEC,
  MSG_CTRUNC,
  MSG_NOSIGNAL,
  MSG_WAITALL,
  openFdPassingApi,
  parseRightsMessages,
  type Received,
  type ReceiveOptions,
  SCM_MAX_FD,
  SCM_RIGHTS,
} from "./fd_passing.ts";
export {
  type FileOwnership,
  type Libc,
  MAP_ANONYMOUS,
  MAP_FAILED,
  MAP_PRIVATE,
  MAP_SHARED,
  MEMORY_SYMBOLS,
  MFD_ALLOW_SEALING,
  MFD_CLOEXEC,
  O_CLOEXEC,
  O_CREAT,
  O_EXCL,
  O_RDONLY,
  O_RDWR,
  openLibc,
  PROT_READ,
  PROT_WRITE,
} from "./libc.ts";
export {
  cString,
  ERRNO,
  errnoName,
  LIBC_PATHS,
  LibcError,
  libcPath,
  type LibcSymbols,
  openLibcSymbols,
} from "./library.ts";
export {
  AF_UNIX,
  AF_VSOCK,
  decodeSockaddrUn,
  decodeSockaddrVm,
  decodeSocketAddress,
  encodeSockaddrUn,
  encodeSockaddrVm,
  encodeSocketAddress,
  formatSocketAddress,
  SOCKADDR_MAX_SIZE,
  SOCKADDR_UN_SIZE,
  SOCKADDR_VM_SIZE,
  type SocketAddress,
  UNIX_PATH_MAX,
  type UnixAddress,
  VMADDR_CID_ANY,
  VMADDR_CID_HOST,
  VMADDR_CID_HYPERVISOR,
  VMADDR_CID_LOCAL,
  VMADDR_PORT_ANY,
  type VsockAddress,
} from "./sockaddr.ts";
export {
  type Accepted,
  openSocketApi,
  SHUT_RD,
  SHUT_RDWR,
  SHUT_WR,
  SO_ERROR,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  type SocketApi,
  type SocketOptions,
  SOL_SOCKET,
} from "./socket.ts";
export {
  F_GETPIPE_SZ,
  F_SETPIPE_SZ,
  openSpliceApi,
  type PipeFds,
  SPLICE_F_MORE,
  SPLICE_F_MOVE,
  SPLICE_F_NONBLOCK,
  type SpliceApi,
} from "./splice.ts";
export { type EpollLoopParts, runEpollLoop } from "./epoll_loop.ts";
