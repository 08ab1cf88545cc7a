/**
 * Test doubles for vsock connections: a host end that records what the
 * connection did to it, guest packet headers, and a short form of packets
 * for assertions.
 *
 * @module
 */
import type {
  HostStream,
  OutgoingPacket,
  VsockConnection,
} from "./vsock_connection.ts";
import {
  HOST_CID,
  opName,
  VSOCK_TYPE_STREAM,
  type VsockHeader,
  VsockOp,
} from "./vsock_packet.ts";

/** The guest's CID in these tests. */
export const GUEST = 7;
/** The service port the guest connects to. */
export const SERVICE = 7000;

/** A host end that takes up to `room` bytes at a time, then blocks. */
export class FakeStream implements HostStream {
  written: number[] = [];
  room = Infinity;
  shut = false;
  closed = false;
  wants = { read: false, write: false };
  establishedCalls = 0;
  failWrites = false;
  failShutdown = false;
  connection?: VsockConnection;
  write(bytes: Uint8Array): number | undefined {
    if (this.failWrites) throw new Error("EPIPE");
    const take = Math.min(bytes.length, this.room);
    if (take === 0) return undefined;
    this.room -= take;
    this.written.push(...bytes.subarray(0, take));
    return take;
  }
  shutdownWrite() {
    if (this.failShutdown) throw new Error("ENOTCONN");
    this.shut = true;
  }
  close() {
    this.closed = true;
  }
  interest(read: boolean, write: boolean) {
    this.wants = { read, write };
  }
  established() {
    this.establishedCalls++;
  }
}

/** A header from the guest's port 1234 to the service, 1000 bytes credit. */
export function fromGuest(
  op: number,
  extra: Partial<VsockHeader> = {},
): VsockHeader {
  return {
    srcCid: GUEST,
    dstCid: HOST_CID,
    srcPort: 1234,
    dstPort: SERVICE,
    len: 0,
    type: VSOCK_TYPE_STREAM,
    op,
    flags: 0,
    bufAlloc: 1000,
    fwdCnt: 0,
    ...extra,
  };
}

/** Packets as op names, RW with its payload length (`RW 456`). */
export function ops(packets: OutgoingPacket[]): string[] {
  return packets.map((p) =>
    p.header.op === VsockOp.RW ? `RW ${p.payload.length}` : opName(p.header.op)
  );
}
