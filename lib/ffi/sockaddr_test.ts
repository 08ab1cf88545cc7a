import assert from "node:assert/strict";
import {
  AF_UNIX,
  AF_VSOCK,
  decodeSockaddrUn,
  decodeSockaddrVm,
  decodeSocketAddress,
  encodeSockaddrUn,
  encodeSockaddrVm,
  formatSocketAddress,
  SOCKADDR_UN_SIZE,
  SOCKADDR_VM_SIZE,
  UNIX_PATH_MAX,
  VMADDR_CID_ANY,
} from "./sockaddr.ts";

Deno.test("sockaddr_vm: field offsets match struct sockaddr_vm", () => {
  const bytes = encodeSockaddrVm({ cid: 0x01020304, port: 0x0a0b0c0d });
  assert.equal(bytes.length, SOCKADDR_VM_SIZE);
  assert.deepEqual(
    [...bytes],
    [
      AF_VSOCK,
      0, // svm_family
      0,
      0, // svm_reserved1
      0x0d,
      0x0c,
      0x0b,
      0x0a, // svm_port
      0x04,
      0x03,
      0x02,
      0x01, // svm_cid
      0,
      0,
      0,
      0, // svm_flags, svm_zero
    ],
  );
});

Deno.test("sockaddr_vm: decode inverts encode, including the extremes", () => {
  for (
    const address of [
      { cid: 2, port: 7000 },
      { cid: VMADDR_CID_ANY, port: 0xffff_ffff },
      { cid: 0, port: 0 },
    ]
  ) {
    assert.deepEqual(decodeSockaddrVm(encodeSockaddrVm(address)), {
      family: "vsock",
      ...address,
    });
  }
});

Deno.test("sockaddr_vm: bad values and bad bytes are refused", () => {
  assert.throws(() => encodeSockaddrVm({ cid: -1, port: 1 }), /CID/);
  assert.throws(() => encodeSockaddrVm({ cid: 3, port: 2 ** 32 }), /port/);
  assert.throws(() => encodeSockaddrVm({ cid: 3.5, port: 1 }), /CID/);
  assert.throws(() => decodeSockaddrVm(new Uint8Array(8)), /16 bytes/);
  const unix = new Uint8Array(16);
  unix[0] = AF_UNIX;
  assert.throws(() => decodeSockaddrVm(unix), /not a vsock address/);
});

Deno.test("sockaddr_un: family, path and NUL terminator", () => {
  const bytes = encodeSockaddrUn("/run/x.sock");
  assert.equal(bytes.length, SOCKADDR_UN_SIZE);
  assert.equal(bytes[0] | (bytes[1] << 8), AF_UNIX);
  assert.equal(new TextDecoder().decode(bytes.subarray(2, 13)), "/run/x.sock");
  assert.equal(bytes[13], 0);
  assert.deepEqual(decodeSockaddrUn(bytes, 2 + 12), {
    family: "unix",
    path: "/run/x.sock",
  });
  // An unnamed peer comes back as the family alone.
  assert.deepEqual(decodeSockaddrUn(bytes, 2), { family: "unix", path: "" });
});

Deno.test("sockaddr_un: paths that do not fit or hold NUL are refused", () => {
  assert.doesNotThrow(() =>
    encodeSockaddrUn("/" + "a".repeat(UNIX_PATH_MAX - 1))
  );
  assert.throws(
    () => encodeSockaddrUn("/" + "a".repeat(UNIX_PATH_MAX)),
    /limit is 107/,
  );
  assert.throws(() => encodeSockaddrUn("a\0b"), /NUL/);
  assert.throws(() => encodeSockaddrUn(""), /empty/);
});

Deno.test("socket addresses decode by family and format for people", () => {
  const vsock = decodeSocketAddress(encodeSockaddrVm({ cid: 3, port: 7000 }));
  assert.equal(formatSocketAddress(vsock), "vsock:3:7000");
  const unix = decodeSocketAddress(encodeSockaddrUn("/tmp/s"));
  assert.equal(formatSocketAddress(unix), "unix:/tmp/s");
  assert.throws(
    () => decodeSocketAddress(new Uint8Array([2, 0, 0, 0])),
    /unsupported address family 2/,
  );
});
