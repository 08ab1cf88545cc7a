/**
 * Socket addresses as the kernel lays them out (x86_64, native byte order):
 * `struct sockaddr_vm` for AF_VSOCK and `struct sockaddr_un` for AF_UNIX.
 * Pure encoders and decoders, so the layouts are unit tested without a
 * socket; lib/ffi/socket.ts passes the bytes to libc.
 *
 * @module
 */

/** Address family of UNIX sockets. */
export const AF_UNIX = 1;
/** Address family of vsock (virtio sockets between VMs and their host). */
export const AF_VSOCK = 40;

/** Bind to whatever CID this machine has. */
export const VMADDR_CID_ANY = 0xffff_ffff;
/** The hypervisor's CID. */
export const VMADDR_CID_HYPERVISOR = 0;
/** Loopback CID: a local connection to oneself (needs vsock_loopback). */
export const VMADDR_CID_LOCAL = 1;
/** The host, seen from a guest. */
export const VMADDR_CID_HOST = 2;
/** Bind to a port of the kernel's choice. */
export const VMADDR_PORT_ANY = 0xffff_ffff;

/** sizeof(struct sockaddr_vm). */
export const SOCKADDR_VM_SIZE = 16;
/** sizeof(struct sockaddr_un): a 2-byte family and a 108-byte path. */
export const SOCKADDR_UN_SIZE = 110;
/** The longest path a sockaddr_un holds, leaving room for its NUL. */
export const UNIX_PATH_MAX = 107;
/** Large enough for any address this module decodes. */
export const SOCKADDR_MAX_SIZE = 128;

/** A vsock address: context id (the machine) and port. */
export interface VsockAddress {
  /** Always `"vsock"`. */
  readonly family: "vsock";
  /** Context id: 2 is the host, guests get 3 and up. */
  readonly cid: number;
  /** Port, 32 bits. */
  readonly port: number;
}

/** A UNIX socket address; `path` is `""` for an unnamed socket. */
export interface UnixAddress {
  /** Always `"unix"`. */
  readonly family: "unix";
  /** Filesystem path of the socket. */
  readonly path: string;
}

/** An address this module can encode and decode. */
export type SocketAddress = VsockAddress | UnixAddress;

function checkU32(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new RangeError(
      `${what} must be an integer from 0 to 4294967295, got ${value}`,
    );
  }
}

/**
 * Encodes `struct sockaddr_vm`: family (u16), reserved (u16), port (u32),
 * cid (u32), flags (u8, zero) and three zero bytes.
 */
export function encodeSockaddrVm(
  address: { cid: number; port: number },
): Uint8Array<ArrayBuffer> {
  checkU32(address.cid, "a vsock CID");
  checkU32(address.port, "a vsock port");
  const bytes = new Uint8Array(SOCKADDR_VM_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, AF_VSOCK, true);
  view.setUint32(4, address.port, true);
  view.setUint32(8, address.cid, true);
  return bytes;
}

/**
 * Decodes the first `length` bytes of `bytes` as `struct sockaddr_vm`;
 * throws when the length or family is wrong.
 */
export function decodeSockaddrVm(
  bytes: Uint8Array,
  length: number = bytes.length,
): VsockAddress {
  if (length < SOCKADDR_VM_SIZE || bytes.length < SOCKADDR_VM_SIZE) {
    throw new RangeError(
      `a sockaddr_vm is ${SOCKADDR_VM_SIZE} bytes, got ${length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, SOCKADDR_VM_SIZE);
  const family = view.getUint16(0, true);
  if (family !== AF_VSOCK) {
    throw new RangeError(`not a vsock address (family ${family})`);
  }
  return {
    family: "vsock",
    port: view.getUint32(4, true),
    cid: view.getUint32(8, true),
  };
}

/**
 * Encodes `struct sockaddr_un` for a filesystem path; refuses a path that
 * is empty, holds a NUL (abstract sockets are not supported) or is longer
 * than {@linkcode UNIX_PATH_MAX} bytes.
 */
export function encodeSockaddrUn(path: string): Uint8Array<ArrayBuffer> {
  const encoded = new TextEncoder().encode(path);
  if (encoded.length === 0) {
    throw new RangeError("a UNIX socket path cannot be empty");
  }
  if (encoded.includes(0)) {
    throw new RangeError("a UNIX socket path cannot contain a NUL byte");
  }
  if (encoded.length > UNIX_PATH_MAX) {
    throw new RangeError(
      `UNIX socket path is ${encoded.length} bytes, the limit is ${UNIX_PATH_MAX}: ${path}`,
    );
  }
  const bytes = new Uint8Array(SOCKADDR_UN_SIZE);
  new DataView(bytes.buffer).setUint16(0, AF_UNIX, true);
  bytes.set(encoded, 2);
  return bytes;
}

/**
 * Decodes the first `length` bytes of `bytes` as `struct sockaddr_un`. The
 * kernel returns just the family for an unnamed socket: its path is `""`.
 */
export function decodeSockaddrUn(
  bytes: Uint8Array,
  length: number = bytes.length,
): UnixAddress {
  if (length < 2 || bytes.length < length) {
    throw new RangeError(`a sockaddr_un needs at least 2 bytes, got ${length}`);
  }
  const family = bytes[0] | (bytes[1] << 8);
  if (family !== AF_UNIX) {
    throw new RangeError(`not a UNIX socket address (family ${family})`);
  }
  const raw = bytes.subarray(2, Math.min(length, SOCKADDR_UN_SIZE));
  const end = raw.indexOf(0);
  return {
    family: "unix",
    path: new TextDecoder().decode(end === -1 ? raw : raw.subarray(0, end)),
  };
}

/** Encodes either kind of address. */
export function encodeSocketAddress(
  address: SocketAddress,
): Uint8Array<ArrayBuffer> {
  return address.family === "vsock"
    ? encodeSockaddrVm(address)
    : encodeSockaddrUn(address.path);
}

/** Decodes an address of either family, chosen by its first two bytes. */
export function decodeSocketAddress(
  bytes: Uint8Array,
  length: number = bytes.length,
): SocketAddress {
  if (length < 2 || bytes.length < 2) {
    throw new RangeError(`a socket address needs 2 bytes, got ${length}`);
  }
  const family = bytes[0] | (bytes[1] << 8);
  switch (family) {
    case AF_VSOCK:
      return decodeSockaddrVm(bytes, length);
    case AF_UNIX:
      return decodeSockaddrUn(bytes, length);
    default:
      throw new RangeError(`unsupported address family ${family}`);
  }
}

/** `address` as people write it: `vsock:3:7000` or `unix:/run/x.sock`. */
export function formatSocketAddress(address: SocketAddress): string {
  return address.family === "vsock"
    ? `vsock:${address.cid}:${address.port}`
    : `unix:${address.path}`;
}
