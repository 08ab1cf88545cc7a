import assert from "node:assert/strict";
import {
  decodeForwardHeader,
  encodeForwardHeader,
  FORWARD_HEADER_SIZE,
  ForwardHeaderError,
} from "./header.ts";
import { fuzzSeed, xorshift } from "../io/_test_fuzz.ts";

Deno.test("forward header: layout is magic, version, size, CID, port, big-endian", () => {
  const bytes = encodeForwardHeader({ cid: 0x01020304, port: 7000 });
  assert.equal(bytes.length, FORWARD_HEADER_SIZE);
  assert.deepEqual(
    [...bytes],
    [
      0x51,
      0x42,
      0x52,
      0x48, // "QBRH"
      1,
      0, // version, reserved
      0,
      20, // size
      1,
      2,
      3,
      4, // CID
      0,
      0,
      0x1b,
      0x58, // port 7000
      0,
      0,
      0,
      0, // reserved
    ],
  );
  assert.deepEqual(decodeForwardHeader(bytes), { cid: 0x01020304, port: 7000 });
});

Deno.test("forward header: each wrong field is refused with what is wrong", () => {
  const good = encodeForwardHeader({ cid: 5, port: 7001 });
  const mutate = (offset: number, value: number) => {
    const copy = good.slice();
    copy[offset] = value;
    return copy;
  };
  const cases: [Uint8Array, RegExp][] = [
    [good.subarray(0, 19), /19 bytes, expected 20/],
    [new Uint8Array([...good, 0]), /21 bytes/],
    [mutate(0, 0x52), /magic 0x52425248/],
    [mutate(4, 2), /version 2/],
    [mutate(5, 1), /reserved/],
    [mutate(7, 21), /size field 21/],
    [mutate(19, 1), /reserved/],
    [mutate(11, 2), /CID 2 is no guest's/],
    [
      new Uint8Array([
        ...good.subarray(0, 8),
        255,
        255,
        255,
        255,
        ...good.subarray(12),
      ]),
      /CID 4294967295/,
    ],
  ];
  for (const [bytes, message] of cases) {
    assert.throws(
      () => decodeForwardHeader(bytes),
      (e: unknown) =>
        e instanceof ForwardHeaderError && message.test(e.message),
      String(message),
    );
  }
});

Deno.test("forward header: the encoder refuses what no guest could be", () => {
  assert.throws(() => encodeForwardHeader({ cid: 2, port: 1 }), /no guest's/);
  assert.throws(
    () => encodeForwardHeader({ cid: 0xffff_ffff, port: 1 }),
    /no guest's/,
  );
  assert.throws(() => encodeForwardHeader({ cid: 3, port: -1 }), /32-bit port/);
});

Deno.test("forward header fuzz: random and mutated inputs never crash or slip through", () => {
  const seed = fuzzSeed();
  const next = xorshift(seed);
  let accepted = 0;
  const heapBefore = Deno.memoryUsage().heapUsed;
  const started = performance.now();
  for (let round = 0; round < 120_000; round++) {
    const cid = 3 + (next() % 1000);
    const port = next();
    let bytes: Uint8Array = encodeForwardHeader({ cid, port });
    const kind = next() % 5;
    if (kind === 0) {
      // Entirely random bytes of a random length around the header's.
      bytes = new Uint8Array(next() % 48);
      for (let i = 0; i < bytes.length; i++) bytes[i] = next() & 0xff;
    } else if (kind === 1) {
      // Flip 1-3 random bits of a valid header.
      bytes = bytes.slice();
      for (let flips = 1 + (next() % 3); flips > 0; flips--) {
        const bit = next() % (FORWARD_HEADER_SIZE * 8);
        bytes[bit >> 3] ^= 1 << (bit & 7);
      }
    } else if (kind === 2) {
      // Truncate or extend.
      const length = next() % (FORWARD_HEADER_SIZE * 2);
      const resized = new Uint8Array(length);
      resized.set(bytes.subarray(0, Math.min(length, bytes.length)));
      bytes = resized;
    } else if (kind === 4) {
      // A right magic, then random bytes: reaches every later check.
      bytes = bytes.slice();
      for (let i = 4; i < bytes.length; i++) {
        if (next() % 3 === 0) bytes[i] = next() & 0xff;
      }
    }
    let decoded;
    try {
      decoded = decodeForwardHeader(bytes);
    } catch (error) {
      assert.ok(error instanceof ForwardHeaderError, `seed ${seed}: ${error}`);
      continue;
    }
    accepted++;
    // Whatever decodes must be exactly what encoding it gives back: no
    // field this version ignores can carry anything.
    assert.deepEqual(encodeForwardHeader(decoded), bytes, `seed ${seed}`);
    if (kind === 3) assert.deepEqual(decoded, { cid, port });
  }
  assert.ok(accepted > 20_000, `seed ${seed}: only ${accepted} accepted`);
  const seconds = (performance.now() - started) / 1000;
  assert.ok(seconds < 30, `seed ${seed}: ${seconds.toFixed(1)} s`);
  // Nothing is kept between rounds: the heap does not grow with them.
  const grown = Deno.memoryUsage().heapUsed - heapBefore;
  assert.ok(grown < 64 * 1024 * 1024, `seed ${seed}: heap grew ${grown} B`);
});
