import assert from "node:assert/strict";
import {
  decodeConfigHeader,
  decodeHeader,
  decodeMemoryTable,
  decodeVringAddress,
  decodeVringFile,
  decodeVringState,
  encodeConfigReply,
  encodeReply,
  encodeU64,
  oversizedPayload,
  requestName,
  VhostUserProtocolError,
  VhostUserRequest,
  vsockConfigSpace,
} from "./vhost_user_message.ts";

function le(...values: [number | bigint, 2 | 4 | 8][]): Uint8Array {
  const size = values.reduce((sum, [, width]) => sum + width, 0);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  let at = 0;
  for (const [value, width] of values) {
    if (width === 8) view.setBigUint64(at, BigInt(value), true);
    else if (width === 4) view.setUint32(at, Number(value), true);
    else view.setUint16(at, Number(value), true);
    at += width;
  }
  return bytes;
}

Deno.test("vhost-user header: request, flags, size; version checked", () => {
  assert.deepEqual(decodeHeader(le([5, 4], [0x9, 4], [40, 4])), {
    request: 5,
    flags: 0x9,
    size: 40,
  });
  assert.throws(
    () => decodeHeader(le([1, 4], [0x2, 4], [0, 4])),
    (e: unknown) =>
      e instanceof VhostUserProtocolError && /version 2/.test(e.message),
  );
  assert.throws(() => decodeHeader(new Uint8Array(11)), /needs 12/);
  // An oversized payload is the reader's to skip: the framing holds.
  const big = decodeHeader(le([5, 4], [0x1, 4], [1 << 20, 4]));
  assert.equal(big.size, 1 << 20);
  assert.match(
    oversizedPayload(big) ?? "",
    /SET_MEM_TABLE payload of 1048576 bytes is over 4096/,
  );
  assert.equal(oversizedPayload({ ...big, size: 4096 }), undefined);
  assert.equal(requestName(VhostUserRequest.SET_MEM_TABLE), "SET_MEM_TABLE");
  assert.equal(requestName(77), "request 77");
});

Deno.test("vhost-user replies carry the REPLY flag and the payload size", () => {
  assert.deepEqual(
    encodeReply(1, encodeU64(0x1_4000_0000n)),
    new Uint8Array([
      ...le([1, 4], [0x5, 4], [8, 4]),
      ...le([0x1_4000_0000n, 8]),
    ]),
  );
});

Deno.test("vhost-user payloads: vring state, address, file, memory table", () => {
  assert.deepEqual(decodeVringState(le([1, 4], [256, 4])), {
    index: 1,
    num: 256,
  });
  assert.deepEqual(
    decodeVringAddress(
      le([2, 4], [0, 4], [0x7000, 8], [0x9000, 8], [0x8000, 8], [0, 8]),
    ),
    {
      index: 2,
      flags: 0,
      descriptor: 0x7000n,
      used: 0x9000n,
      available: 0x8000n,
    },
  );
  assert.deepEqual(decodeVringFile(le([0x001, 8])), { index: 1, hasFd: true });
  assert.deepEqual(decodeVringFile(le([0x102, 8])), { index: 2, hasFd: false });
  const table = le(
    [2, 4],
    [0, 4],
    [0, 8],
    [0xa0000, 8],
    [0x7f00_0000_0000n, 8],
    [0, 8],
    [0x10_0000, 8],
    [0xff0_0000, 8],
    [0x7f00_0010_0000n, 8],
    [0x10_0000, 8],
  );
  assert.deepEqual(decodeMemoryTable(table), [
    {
      guestAddress: 0n,
      size: 0xa0000n,
      userAddress: 0x7f00_0000_0000n,
      mmapOffset: 0n,
    },
    {
      guestAddress: 0x10_0000n,
      size: 0xff0_0000n,
      userAddress: 0x7f00_0010_0000n,
      mmapOffset: 0x10_0000n,
    },
  ]);
  assert.throws(() => decodeMemoryTable(table.subarray(0, 40)), /needs 72/);
  assert.throws(() => decodeMemoryTable(le([9, 4], [0, 4])), /limit is 8/);
});

Deno.test("vhost-user config space: the guest CID, sliced as asked", () => {
  const config = vsockConfigSpace(0x1234);
  assert.deepEqual(config, le([0x1234, 8]));
  const request = decodeConfigHeader(le([0, 4], [8, 4], [0, 4], [0, 8]));
  assert.deepEqual(request, { offset: 0, size: 8, flags: 0 });
  assert.deepEqual(
    encodeConfigReply(request, config),
    le([0, 4], [8, 4], [0, 4], [0x1234, 8]),
  );
  // Past the end reads as zeros.
  assert.deepEqual(
    encodeConfigReply({ offset: 4, size: 8, flags: 0 }, config),
    le([4, 4], [8, 4], [0, 4], [0, 8]),
  );
});
