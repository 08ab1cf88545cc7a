/**
 * The virtio-vsock packet header (Linux include/uapi/linux/virtio_vsock.h):
 * 44 bytes, packed, little endian — src_cid u64, dst_cid u64, src_port u32,
 * dst_port u32, len u32, type u16, op u16, flags u32, buf_alloc u32,
 * fwd_cnt u32 — followed by `len` payload bytes.
 *
 * @module
 */

import { QubesifyError } from "../errors/mod.ts";

/** The host's CID as guests address it. */
export const HOST_CID = 2;
/** Size of `struct virtio_vsock_hdr`. */
export const VSOCK_HEADER_SIZE = 44;
/** Connection-oriented byte streams (the only type this backend carries). */
export const VSOCK_TYPE_STREAM = 1;
/** Shutdown flag: the sender will receive no more. */
export const VSOCK_SHUTDOWN_RCV = 1;
/** Shutdown flag: the sender will send no more. */
export const VSOCK_SHUTDOWN_SEND = 2;

/** Packet operations. */
export const VsockOp = {
  INVALID: 0,
  REQUEST: 1,
  RESPONSE: 2,
  RST: 3,
  SHUTDOWN: 4,
  RW: 5,
  CREDIT_UPDATE: 6,
  CREDIT_REQUEST: 7,
} as const;

/** A decoded packet header. CIDs fit in 32 bits on Linux; kept as numbers. */
export interface VsockHeader {
  /** Sender's context id. */
  srcCid: number;
  /** Receiver's context id. */
  dstCid: number;
  /** Sender's port. */
  srcPort: number;
  /** Receiver's port. */
  dstPort: number;
  /** Payload length in bytes. */
  len: number;
  /** Socket type (1: stream). */
  type: number;
  /** One of {@linkcode VsockOp}. */
  op: number;
  /** Shutdown flags for SHUTDOWN, message bits for seqpacket RW. */
  flags: number;
  /** Receive buffer the sender has for this connection. */
  bufAlloc: number;
  /** Bytes the sender has taken out of that buffer so far (wraps). */
  fwdCnt: number;
}

/** A header this side will not take: too short, or a CID above 2^32. */
export class VsockPacketError extends QubesifyError {}

/**
 * Decodes the header at the start of `bytes`; throws
 * {@linkcode VsockPacketError} for fewer than 44 bytes or a CID above
 * 2^32, which Linux never assigns (the packet is dropped, not the device).
 */
export function decodeVsockHeader(bytes: Uint8Array): VsockHeader {
  if (bytes.length < VSOCK_HEADER_SIZE) {
    throw new VsockPacketError(
      `a virtio-vsock header is ${VSOCK_HEADER_SIZE} bytes, got ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, VSOCK_HEADER_SIZE);
  const srcCid = view.getBigUint64(0, true);
  const dstCid = view.getBigUint64(8, true);
  if (srcCid > 0xffff_ffffn || dstCid > 0xffff_ffffn) {
    throw new VsockPacketError(
      `a vsock CID above 2^32 (${srcCid} → ${dstCid})`,
    );
  }
  return {
    srcCid: Number(srcCid),
    dstCid: Number(dstCid),
    srcPort: view.getUint32(16, true),
    dstPort: view.getUint32(20, true),
    len: view.getUint32(24, true),
    type: view.getUint16(28, true),
    op: view.getUint16(30, true),
    flags: view.getUint32(32, true),
    bufAlloc: view.getUint32(36, true),
    fwdCnt: view.getUint32(40, true),
  };
}

/** Encodes `header` into `into` (at least 44 bytes), or a new array. */
export function encodeVsockHeader(
  header: VsockHeader,
  into: Uint8Array = new Uint8Array(VSOCK_HEADER_SIZE),
): Uint8Array {
  const view = new DataView(into.buffer, into.byteOffset, VSOCK_HEADER_SIZE);
  view.setBigUint64(0, BigInt(header.srcCid), true);
  view.setBigUint64(8, BigInt(header.dstCid), true);
  view.setUint32(16, header.srcPort >>> 0, true);
  view.setUint32(20, header.dstPort >>> 0, true);
  view.setUint32(24, header.len >>> 0, true);
  view.setUint16(28, header.type, true);
  view.setUint16(30, header.op, true);
  view.setUint32(32, header.flags >>> 0, true);
  view.setUint32(36, header.bufAlloc >>> 0, true);
  view.setUint32(40, header.fwdCnt >>> 0, true);
  return into;
}

/** Fields of a header from the host to the guest. */
export interface HeaderToGuest {
  /** The guest's CID (the destination). */
  guestCid: number;
  /** Host-side port (the source). */
  port: number;
  /** Guest-side port (the destination). */
  guestPort: number;
  /** One of {@linkcode VsockOp}. */
  op: number;
  /** Shutdown flags; 0 when unset. */
  flags?: number;
  /** Payload length; 0 when unset. */
  len?: number;
  /** The host's receive buffer for the connection; 0 when unset. */
  bufAlloc?: number;
  /** Bytes the host took out of it; 0 when unset. */
  fwdCnt?: number;
}

/** A stream header from the host (CID 2); credit 0 unless given. */
export function headerToGuest(fields: HeaderToGuest): VsockHeader {
  return {
    srcCid: HOST_CID,
    dstCid: fields.guestCid,
    srcPort: fields.port,
    dstPort: fields.guestPort,
    len: fields.len ?? 0,
    type: VSOCK_TYPE_STREAM,
    op: fields.op,
    flags: fields.flags ?? 0,
    bufAlloc: fields.bufAlloc ?? 0,
    fwdCnt: fields.fwdCnt ?? 0,
  };
}

/** The name of an op, for logs; `op <n>` if unknown. */
export function opName(op: number): string {
  const found = Object.entries(VsockOp).find(([, code]) => code === op);
  return found ? found[0] : `op ${op}`;
}
