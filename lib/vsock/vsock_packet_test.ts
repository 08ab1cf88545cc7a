import assert from "node:assert/strict";
import {
  decodeVsockHeader,
  encodeVsockHeader,
  opName,
  VSOCK_HEADER_SIZE,
  VsockOp,
} from "./vsock_packet.ts";

// A REQUEST from CID 3 port 0x01020304 to the host's port 7000, laid out
// by hand from struct virtio_vsock_hdr.
const BYTES = new Uint8Array([
  3,
  0,
  0,
  0,
  0,
  0,
  0,
  0, // src_cid
  2,
  0,
  0,
  0,
  0,
  0,
  0,
  0, // dst_cid
  4,
  3,
  2,
  1, // src_port
  0x58,
  0x1b,
  0,
  0, // dst_port 7000
  0x10,
  0,
  0,
  0, // len 16
  1,
  0, // type STREAM
  1,
  0, // op REQUEST
  3,
  0,
  0,
  0, // flags
  0,
  0,
  4,
  0, // buf_alloc 256 KiB
  0xff,
  0xff,
  0xff,
  0xff, // fwd_cnt
]);

Deno.test("virtio-vsock header: 44 little-endian bytes both ways", () => {
  assert.equal(BYTES.length, VSOCK_HEADER_SIZE);
  const header = decodeVsockHeader(BYTES);
  assert.deepEqual(header, {
    srcCid: 3,
    dstCid: 2,
    srcPort: 0x01020304,
    dstPort: 7000,
    len: 16,
    type: 1,
    op: VsockOp.REQUEST,
    flags: 3,
    bufAlloc: 256 * 1024,
    fwdCnt: 0xffff_ffff,
  });
  assert.deepEqual(encodeVsockHeader(header), BYTES);
  const into = new Uint8Array(50).fill(0xee);
  encodeVsockHeader(header, into);
  assert.deepEqual(into.subarray(0, 44), BYTES);
  assert.equal(into[44], 0xee, "nothing past the header");
  assert.equal(opName(VsockOp.CREDIT_UPDATE), "CREDIT_UPDATE");
  assert.equal(opName(99), "op 99");
});

Deno.test("virtio-vsock header: short buffers and 64-bit CIDs are refused", () => {
  assert.throws(() => decodeVsockHeader(BYTES.subarray(0, 43)), /44 bytes/);
  const wide = BYTES.slice();
  wide[4] = 1;
  assert.throws(() => decodeVsockHeader(wide), /above 2\^32/);
});
