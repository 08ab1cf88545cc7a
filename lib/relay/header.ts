/**
 * The forward header of the split topology. The host forwarder accepts a
 * micro VM's vsock connection, connects to the viewer VM and writes this
 * header first, carrying the CID the host kernel reported for the VM and
 * the service port it dialled; then the VM's bytes follow untouched. The
 * viewer's dispatcher reads exactly one header per connection, and only
 * from the forwarder's CID, so bytes a VM writes are always payload.
 *
 * Layout, 20 bytes, big-endian (network order):
 *
 * | offset | size | field                                   |
 * |--------|------|-----------------------------------------|
 * | 0      | 4    | magic `QBRH` (0x51 0x42 0x52 0x48)      |
 * | 4      | 1    | version, 1                              |
 * | 5      | 1    | reserved, 0                             |
 * | 6      | 2    | header size, 20                         |
 * | 8      | 4    | peer CID (a guest: 3 to 0xfffffffe)     |
 * | 12     | 4    | vsock port the peer connected to        |
 * | 16     | 4    | reserved, 0                             |
 *
 * The size field lets a later version grow the header while a reader of
 * this one still refuses it cleanly; any reserved bit set is refused too,
 * so nothing can be smuggled in fields this version ignores.
 *
 * @module
 */
import { QubesifyError } from "../errors/mod.ts";

/** Header size in bytes. */
export const FORWARD_HEADER_SIZE = 20;
/** The version this module writes and accepts. */
export const FORWARD_HEADER_VERSION = 1;
/** `QBRH`. */
export const FORWARD_HEADER_MAGIC = 0x5142_5248;
/** The lowest CID a guest can have (0-2 are hypervisor, local, host). */
export const FIRST_GUEST_CID = 3;
/** The highest CID a guest can have (0xffffffff means "any"). */
export const LAST_GUEST_CID = 0xffff_fffe;

/** What the host forwarder saw of a micro VM's connection. */
export interface ForwardHeader {
  /** The VM's CID, as the host kernel reported it on accept. */
  readonly cid: number;
  /**
   * The vsock port the VM connected to: a well-known service port, or one
   * of a CID's block (lib/guest/ports.ts), which the viewer lets only that
   * CID use.
   */
  readonly port: number;
}

/** A header that is not one this version accepts; says what is wrong. */
export class ForwardHeaderError extends QubesifyError {
  /** Describes what is wrong with the header. */
  constructor(message: string) {
    super(`bad forward header: ${message}`);
  }
}

function isGuestCid(cid: number): boolean {
  return Number.isInteger(cid) && cid >= FIRST_GUEST_CID &&
    cid <= LAST_GUEST_CID;
}

/** Encodes `header`; throws RangeError for a CID no guest has or a bad port. */
export function encodeForwardHeader(
  header: ForwardHeader,
): Uint8Array<ArrayBuffer> {
  if (!isGuestCid(header.cid)) {
    throw new RangeError(
      `CID ${header.cid} is no guest's (guests have ${FIRST_GUEST_CID} to ${LAST_GUEST_CID})`,
    );
  }
  if (
    !Number.isInteger(header.port) || header.port < 0 ||
    header.port > 0xffff_ffff
  ) {
    throw new RangeError(`vsock port ${header.port} is not a 32-bit port`);
  }
  const bytes = new Uint8Array(FORWARD_HEADER_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, FORWARD_HEADER_MAGIC);
  view.setUint8(4, FORWARD_HEADER_VERSION);
  view.setUint16(6, FORWARD_HEADER_SIZE);
  view.setUint32(8, header.cid);
  view.setUint32(12, header.port);
  return bytes;
}

/**
 * Decodes exactly one header; throws {@linkcode ForwardHeaderError} for a
 * wrong length, magic, version, size, reserved bits or a non-guest CID.
 */
export function decodeForwardHeader(bytes: Uint8Array): ForwardHeader {
  if (bytes.length !== FORWARD_HEADER_SIZE) {
    throw new ForwardHeaderError(
      `${bytes.length} bytes, expected ${FORWARD_HEADER_SIZE}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const magic = view.getUint32(0);
  if (magic !== FORWARD_HEADER_MAGIC) {
    throw new ForwardHeaderError(
      `magic 0x${magic.toString(16).padStart(8, "0")}, expected 0x${
        FORWARD_HEADER_MAGIC.toString(16)
      } ("QBRH")`,
    );
  }
  const version = view.getUint8(4);
  if (version !== FORWARD_HEADER_VERSION) {
    throw new ForwardHeaderError(
      `version ${version}, this qubesify reads version ${FORWARD_HEADER_VERSION}`,
    );
  }
  const size = view.getUint16(6);
  if (size !== FORWARD_HEADER_SIZE) {
    throw new ForwardHeaderError(
      `size field ${size}, expected ${FORWARD_HEADER_SIZE}`,
    );
  }
  if (view.getUint8(5) !== 0 || view.getUint32(16) !== 0) {
    throw new ForwardHeaderError("reserved bytes are not zero");
  }
  const cid = view.getUint32(8);
  if (!isGuestCid(cid)) {
    throw new ForwardHeaderError(`CID ${cid} is no guest's`);
  }
  return { cid, port: view.getUint32(12) };
}
