import assert from "node:assert/strict";
import { fuzzSeed, randomArgs, randomBytes, xorshift } from "./_test_random.ts";
import {
  knownInterfaces,
  type MessageSpec,
  protocolInterface,
} from "./protocol.ts";
import {
  type ArgValue,
  decodeArgs,
  encodeMessage,
  HEADER_SIZE,
  MAX_MESSAGE_SIZE,
  readHeader,
  WireError,
} from "./wire.ts";

const ROUNDS = 120_000;

// Words a hostile guest would try in a length or id field.
const NASTY = [
  0,
  1,
  3,
  4,
  5,
  0x7f,
  0x80,
  0xff,
  0xfff,
  0x1000,
  0xffff,
  0x7fff_ffff,
  0xffff_ffff,
];

function allMessages(): MessageSpec[] {
  return knownInterfaces().flatMap((name) => {
    const spec = protocolInterface(name)!;
    return [...spec.requests, ...spec.events];
  });
}

/** Bytes and strings a decoded message holds: never more than its body. */
function payload(values: readonly ArgValue[]): number {
  let bytes = 0;
  for (const value of values) {
    if (typeof value === "string") bytes += value.length;
    else if (value instanceof Uint8Array) bytes += value.length;
    else if (value !== null && typeof value === "object") {
      bytes += value.interface.length;
    }
  }
  return bytes;
}

/** A valid message of `spec`, then broken in one of several ways. */
function mutate(next: () => number, spec: MessageSpec): Uint8Array {
  const valid =
    encodeMessage(1 + next() % 100, next() % 8, spec, randomArgs(next, spec))
      .bytes;
  let bytes = valid.slice();
  switch (next() % 6) {
    case 0: // Entirely random bytes, mostly around message sizes.
      return randomBytes(
        next,
        next() % 4 === 0 ? next() % (2 * MAX_MESSAGE_SIZE) : next() % 64,
      );
    case 1: // Flip 1-4 bits.
      for (let flips = 1 + next() % 4; flips > 0; flips--) {
        const bit = next() % (bytes.length * 8);
        bytes[bit >> 3] ^= 1 << (bit & 7);
      }
      return bytes;
    case 2: { // A nasty word at a word boundary (often a length field).
      const view = new DataView(bytes.buffer);
      for (let writes = 1 + next() % 2; writes > 0; writes--) {
        const at = 4 * (next() % (bytes.length / 4));
        view.setUint32(at, NASTY[next() % NASTY.length], true);
      }
      return bytes;
    }
    case 3: { // Cut or extended, the header's size kept.
      const resized = new Uint8Array(next() % (bytes.length + 16));
      resized.set(bytes.subarray(0, Math.min(resized.length, bytes.length)));
      if (next() % 2) {
        resized.fill(next() & 0xff, Math.min(resized.length, bytes.length));
      }
      return resized;
    }
    case 4: { // Cut or extended, the header's size following.
      const length = Math.max(
        HEADER_SIZE,
        4 * (next() % (bytes.length / 4 + 4)),
      );
      bytes = new Uint8Array(length);
      bytes.set(valid.subarray(0, Math.min(length, valid.length)));
      new DataView(bytes.buffer).setUint16(6, length, true);
      return bytes;
    }
    default: // Random bytes spliced into the body.
      if (bytes.length > HEADER_SIZE) {
        const at = HEADER_SIZE + next() % (bytes.length - HEADER_SIZE);
        bytes.set(
          randomBytes(next, Math.min(bytes.length - at, 1 + next() % 8)),
          at,
        );
      }
      return bytes;
  }
}

Deno.test("wire fuzz: random and mutated messages only ever throw WireError", () => {
  const seed = fuzzSeed();
  const next = xorshift(seed);
  const messages = allMessages();
  const started = performance.now();
  const counts = { partial: 0, badHeader: 0, refused: 0, decoded: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    const where = `seed ${seed}, round ${round}`;
    const spec = messages[next() % messages.length];
    const bytes = mutate(next, spec);
    // Usually decode as the message it was; sometimes as any other.
    const as = next() % 8 === 0 ? messages[next() % messages.length] : spec;
    const fds = Array.from({ length: next() % 4 }, (_, i) => 100 + i);
    const before = [...fds];
    let header;
    try {
      header = readHeader(bytes, 0);
    } catch (error) {
      assert.ok(
        error instanceof WireError,
        `${where}: readHeader threw ${error}`,
      );
      counts.badHeader++;
      continue;
    }
    if (!header || header.size > bytes.length) {
      counts.partial++;
      continue;
    }
    assert.ok(
      header.size >= HEADER_SIZE && header.size <= MAX_MESSAGE_SIZE,
      where,
    );
    const body = bytes.subarray(HEADER_SIZE, header.size);
    let values: ArgValue[];
    try {
      values = decodeArgs(as, body, fds);
    } catch (error) {
      assert.ok(
        error instanceof WireError,
        `${where}: decodeArgs threw ${error}`,
      );
      assert.deepEqual(fds, before, `${where}: a refused message took fds`);
      counts.refused++;
      continue;
    }
    counts.decoded++;
    const fdArgs = as.args.filter((arg) => arg.type === "fd").length;
    assert.deepEqual(fds, before.slice(fdArgs), where);
    assert.ok(
      payload(values) <= body.length,
      `${where}: decoded more than the body`,
    );
    // What decodes is exactly a message: encoding it gives the same body,
    // but for padding, which libwayland does not check either.
    const again = encodeMessage(header.objectId, header.opcode, as, values);
    assert.equal(again.bytes.length, header.size, where);
    assert.deepEqual(
      decodeArgs(as, again.bytes.subarray(HEADER_SIZE), again.fds),
      values,
      where,
    );
  }
  const seconds = (performance.now() - started) / 1000;
  assert.ok(
    seconds < 60,
    `seed ${seed}: ${ROUNDS} rounds took ${seconds.toFixed(1)} s`,
  );
  // Each path was taken often enough to mean something.
  for (const [path, count] of Object.entries(counts)) {
    assert.ok(count > ROUNDS / 50, `seed ${seed}: ${path} only ${count} times`);
  }
});
