/**
 * vhost-user messages: the protocol QEMU speaks over its chardev socket to
 * a device backend in another process. A message is a 12-byte header
 * (request u32, flags u32, payload size u32, little endian) and a payload
 * whose layout depends on the request; fds travel beside the header as
 * SCM_RIGHTS. Pure codecs, unit tested against hand-built bytes.
 *
 * Numbers and layouts are those of QEMU's docs/interop/vhost-user.rst.
 *
 * @module
 */
import { QubesifyError } from "../errors/mod.ts";

/** Size of the message header. */
export const VHOST_USER_HEADER_SIZE = 12;
/** Largest payload this backend accepts (a full memory table is 264). */
export const VHOST_USER_MAX_PAYLOAD = 4096;
/** Protocol version carried in the low two bits of the flags. */
export const VHOST_USER_VERSION = 0x1;
/** Flag: this message is a reply. */
export const VHOST_USER_REPLY_FLAG = 0x4;
/** Flag: the front-end wants a success/failure reply (REPLY_ACK). */
export const VHOST_USER_NEED_REPLY_FLAG = 0x8;
/** Most memory regions in one SET_MEM_TABLE. */
export const VHOST_USER_MAX_REGIONS = 8;
/** Vring fd payload: the index is in the low byte. */
export const VHOST_USER_VRING_INDEX_MASK = 0xff;
/** Vring fd payload: no fd came with the message (polling mode). */
export const VHOST_USER_VRING_NOFD_MASK = 0x100;
/** Size of a config-space message's own header (offset, size, flags). */
export const VHOST_USER_CONFIG_HEADER_SIZE = 12;

/** Request codes this backend knows (front-end → back-end). */
export const VhostUserRequest = {
  GET_FEATURES: 1,
  SET_FEATURES: 2,
  SET_OWNER: 3,
  RESET_OWNER: 4,
  SET_MEM_TABLE: 5,
  SET_LOG_BASE: 6,
  SET_LOG_FD: 7,
  SET_VRING_NUM: 8,
  SET_VRING_ADDR: 9,
  SET_VRING_BASE: 10,
  GET_VRING_BASE: 11,
  SET_VRING_KICK: 12,
  SET_VRING_CALL: 13,
  SET_VRING_ERR: 14,
  GET_PROTOCOL_FEATURES: 15,
  SET_PROTOCOL_FEATURES: 16,
  GET_QUEUE_NUM: 17,
  SET_VRING_ENABLE: 18,
  GET_CONFIG: 24,
  SET_CONFIG: 25,
  RESET_DEVICE: 34,
} as const;

/** Virtio feature bit: modern (1.0+) device, little-endian rings. */
export const VIRTIO_F_VERSION_1 = 32;
/** vhost-user feature bit: protocol features may be negotiated. */
export const VHOST_USER_F_PROTOCOL_FEATURES = 30;
/** Protocol feature bit: replies to requests flagged NEED_REPLY. */
export const VHOST_USER_PROTOCOL_F_REPLY_ACK = 3;
/** Protocol feature bit: GET_CONFIG/SET_CONFIG (vsock needs it for the CID). */
export const VHOST_USER_PROTOCOL_F_CONFIG = 9;

/** A message header. */
export interface VhostUserHeader {
  /** Request code (see {@linkcode VhostUserRequest}). */
  readonly request: number;
  /** Version and REPLY/NEED_REPLY flags. */
  readonly flags: number;
  /** Payload size in bytes. */
  readonly size: number;
}

/** One guest memory region of SET_MEM_TABLE. */
export interface MemoryRegionMessage {
  /** Guest physical address of the region's start. */
  readonly guestAddress: bigint;
  /** Length in bytes. */
  readonly size: bigint;
  /** Where the region sits in QEMU's address space (vring addresses use it). */
  readonly userAddress: bigint;
  /** Offset of the region inside the fd that comes with it. */
  readonly mmapOffset: bigint;
}

/** SET_VRING_ADDR: where a split ring's parts are, in QEMU's addresses. */
export interface VringAddressMessage {
  /** Queue index. */
  readonly index: number;
  /** VHOST_VRING_F_LOG and friends. */
  readonly flags: number;
  /** Descriptor table. */
  readonly descriptor: bigint;
  /** Used ring. */
  readonly used: bigint;
  /** Available ring. */
  readonly available: bigint;
}

/** A protocol violation by the front-end. */
export class VhostUserProtocolError extends QubesifyError {
  /** Describes what was wrong with a message. */
  constructor(message: string) {
    super(message);
  }
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function requireSize(
  payload: Uint8Array,
  size: number,
  what: string,
): DataView {
  if (payload.length < size) {
    throw new VhostUserProtocolError(
      `${what} payload is ${payload.length} bytes, needs ${size}`,
    );
  }
  return viewOf(payload);
}

/** The name of a request code, for messages; `request <n>` if unknown. */
export function requestName(request: number): string {
  const found = Object.entries(VhostUserRequest).find(([, code]) =>
    code === request
  );
  return found ? found[0] : `request ${request}`;
}

/**
 * Decodes a 12-byte header; refuses a wrong version, after which the
 * stream's framing cannot be trusted. A payload over
 * {@linkcode VHOST_USER_MAX_PAYLOAD} is the reader's to skip and refuse
 * (see {@linkcode oversizedPayload}): the next message still starts after
 * it.
 */
export function decodeHeader(bytes: Uint8Array): VhostUserHeader {
  const view = requireSize(bytes, VHOST_USER_HEADER_SIZE, "header");
  const header = {
    request: view.getUint32(0, true),
    flags: view.getUint32(4, true),
    size: view.getUint32(8, true),
  };
  if ((header.flags & 0x3) !== VHOST_USER_VERSION) {
    throw new VhostUserProtocolError(
      `unsupported vhost-user version ${header.flags & 0x3}`,
    );
  }
  return header;
}

/** Why `header`'s payload is too big to read in, if it is. */
export function oversizedPayload(header: VhostUserHeader): string | undefined {
  if (header.size <= VHOST_USER_MAX_PAYLOAD) return undefined;
  return `${
    requestName(header.request)
  } payload of ${header.size} bytes is over ${VHOST_USER_MAX_PAYLOAD}`;
}

/** A reply to `request`: header (version, REPLY flag) and `payload`. */
export function encodeReply(request: number, payload: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(VHOST_USER_HEADER_SIZE + payload.length);
  const view = viewOf(bytes);
  view.setUint32(0, request, true);
  view.setUint32(4, VHOST_USER_VERSION | VHOST_USER_REPLY_FLAG, true);
  view.setUint32(8, payload.length, true);
  bytes.set(payload, VHOST_USER_HEADER_SIZE);
  return bytes;
}

/** A u64 payload (features, REPLY_ACK status, queue count). */
export function encodeU64(value: bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  viewOf(bytes).setBigUint64(0, value, true);
  return bytes;
}

/** Reads a u64 payload. */
export function decodeU64(payload: Uint8Array): bigint {
  return requireSize(payload, 8, "u64").getBigUint64(0, true);
}

/** A vring state payload (index, number): GET_VRING_BASE's reply. */
export function encodeVringState(index: number, num: number): Uint8Array {
  const bytes = new Uint8Array(8);
  const view = viewOf(bytes);
  view.setUint32(0, index, true);
  view.setUint32(4, num, true);
  return bytes;
}

/** Reads a vring state payload (SET_VRING_NUM/BASE/ENABLE, GET_VRING_BASE). */
export function decodeVringState(
  payload: Uint8Array,
): { index: number; num: number } {
  const view = requireSize(payload, 8, "vring state");
  return { index: view.getUint32(0, true), num: view.getUint32(4, true) };
}

/** Reads a SET_VRING_ADDR payload (40 bytes; the log address is ignored). */
export function decodeVringAddress(payload: Uint8Array): VringAddressMessage {
  const view = requireSize(payload, 40, "vring address");
  return {
    index: view.getUint32(0, true),
    flags: view.getUint32(4, true),
    descriptor: view.getBigUint64(8, true),
    used: view.getBigUint64(16, true),
    available: view.getBigUint64(24, true),
  };
}

/**
 * Reads a SET_VRING_KICK/CALL/ERR payload: the queue index and whether an
 * fd came with it.
 */
export function decodeVringFile(
  payload: Uint8Array,
): { index: number; hasFd: boolean } {
  const value = decodeU64(payload);
  return {
    index: Number(value & BigInt(VHOST_USER_VRING_INDEX_MASK)),
    hasFd: (value & BigInt(VHOST_USER_VRING_NOFD_MASK)) === 0n,
  };
}

/** Reads a SET_MEM_TABLE payload: region count, padding, then regions. */
export function decodeMemoryTable(payload: Uint8Array): MemoryRegionMessage[] {
  const view = requireSize(payload, 8, "memory table");
  const count = view.getUint32(0, true);
  if (count > VHOST_USER_MAX_REGIONS) {
    throw new VhostUserProtocolError(
      `memory table has ${count} regions, the limit is ${VHOST_USER_MAX_REGIONS}`,
    );
  }
  requireSize(payload, 8 + count * 32, "memory table");
  const regions: MemoryRegionMessage[] = [];
  for (let i = 0; i < count; i++) {
    const at = 8 + i * 32;
    regions.push({
      guestAddress: view.getBigUint64(at, true),
      size: view.getBigUint64(at + 8, true),
      userAddress: view.getBigUint64(at + 16, true),
      mmapOffset: view.getBigUint64(at + 24, true),
    });
  }
  return regions;
}

/** Reads a GET_CONFIG/SET_CONFIG payload's offset, size and flags. */
export function decodeConfigHeader(
  payload: Uint8Array,
): { offset: number; size: number; flags: number } {
  const view = requireSize(
    payload,
    VHOST_USER_CONFIG_HEADER_SIZE,
    "config",
  );
  return {
    offset: view.getUint32(0, true),
    size: view.getUint32(4, true),
    flags: view.getUint32(8, true),
  };
}

/**
 * GET_CONFIG's reply payload: the request's offset, size and flags, then
 * `size` bytes of `config` from `offset` (zeros past its end). A size over
 * the config space's is refused, whatever the message says, so a reply is
 * never bigger than the config space.
 */
export function encodeConfigReply(
  request: { offset: number; size: number; flags: number },
  config: Uint8Array,
): Uint8Array {
  if (request.size > config.length) {
    throw new VhostUserProtocolError(
      `GET_CONFIG of ${request.size} bytes, the config space has ${config.length}`,
    );
  }
  const bytes = new Uint8Array(VHOST_USER_CONFIG_HEADER_SIZE + request.size);
  const view = viewOf(bytes);
  view.setUint32(0, request.offset, true);
  view.setUint32(4, request.size, true);
  view.setUint32(8, request.flags, true);
  bytes.set(
    config.subarray(
      Math.min(request.offset, config.length),
      Math.min(request.offset + request.size, config.length),
    ),
    VHOST_USER_CONFIG_HEADER_SIZE,
  );
  return bytes;
}

/** The virtio-vsock config space: the guest's CID as a little-endian u64. */
export function vsockConfigSpace(guestCid: number): Uint8Array {
  return encodeU64(BigInt(guestCid));
}
