import assert from "node:assert/strict";
import { fuzzSeed, randomArgs, xorshift } from "./_test_random.ts";
import {
  knownInterfaces,
  type MessageSpec,
  protocolInterface,
} from "./protocol.ts";
import { parseMessageSignature } from "./table_format.ts";
import {
  type ArgValue,
  decodeArgs,
  encodeMessage,
  HEADER_SIZE,
  MAX_FDS_PER_MESSAGE,
  MAX_MESSAGE_SIZE,
  readHeader,
  WireError,
} from "./wire.ts";

const spec = parseMessageSignature;

/** Little-endian u32 words, then raw bytes. */
function words(...parts: (number | number[])[]): Uint8Array {
  const bytes: number[] = [];
  for (const part of parts) {
    if (Array.isArray(part)) bytes.push(...part);
    else {bytes.push(
        part & 0xff,
        (part >>> 8) & 0xff,
        (part >>> 16) & 0xff,
        part >>> 24,
      );}
  }
  return new Uint8Array(bytes);
}

function throwsWire(run: () => unknown, message: RegExp) {
  assert.throws(
    run,
    (e: unknown) => e instanceof WireError && message.test(e.message),
    String(message),
  );
}

Deno.test("wire: wl_registry.bind has the layout libwayland writes", () => {
  const bind = protocolInterface("wl_registry")!.requests[0];
  const { bytes, fds } = encodeMessage(2, 0, bind, [
    7,
    { interface: "wl_seat", version: 5, id: 9 },
  ]);
  const expected = words(
    2,
    (32 << 16) | 0,
    7,
    8,
    [...new TextEncoder().encode("wl_seat"), 0],
    5,
    9,
  );
  assert.deepEqual(bytes, expected);
  assert.deepEqual(fds, []);
  assert.deepEqual(readHeader(bytes, 0), { objectId: 2, opcode: 0, size: 32 });
  assert.deepEqual(decodeArgs(bind, bytes.subarray(HEADER_SIZE), []), [
    7,
    { interface: "wl_seat", version: 5, id: 9 },
  ]);
});

Deno.test("wire: strings, arrays, nulls, fixed and fds", () => {
  const message = spec(
    "m(s: ?string, t: string, a: array, o: ?object<wl_surface>, f: fixed, d: fd, e: fd)",
  );
  const values: ArgValue[] = [
    null,
    "abcd",
    new Uint8Array([1, 2, 3]),
    0,
    -256,
    11,
    12,
  ];
  const { bytes, fds } = encodeMessage(1, 3, message, values);
  assert.deepEqual(
    bytes,
    words(
      1,
      (40 << 16) | 3,
      0,
      5,
      [0x61, 0x62, 0x63, 0x64, 0, 0, 0, 0],
      3,
      [1, 2, 3, 0],
      0,
      -256,
    ),
  );
  assert.deepEqual(fds, [11, 12]);
  const queue = [11, 12, 13];
  assert.deepEqual(
    decodeArgs(message, bytes.subarray(HEADER_SIZE), queue),
    values,
  );
  assert.deepEqual(queue, [13]);
});

Deno.test("wire: readHeader frames and refuses impossible sizes", () => {
  assert.equal(readHeader(new Uint8Array(7), 0), undefined);
  assert.equal(readHeader(words(1, 8 << 16), 1), undefined);
  assert.equal(readHeader(words(1, 8 << 16), 100), undefined);
  assert.deepEqual(readHeader(words(0, 0, 5, (12 << 16) | 0xffff), 8), {
    objectId: 5,
    opcode: 0xffff,
    size: 12,
  });
  throwsWire(() => readHeader(words(1, 4 << 16), 0), /bad size 4/);
  throwsWire(() => readHeader(words(1, 0), 0), /bad size 0/);
  throwsWire(() => readHeader(words(1, 10 << 16), 0), /bad size 10/);
  throwsWire(
    () => readHeader(words(1, (MAX_MESSAGE_SIZE + 4) << 16), 0),
    /bad size 4100/,
  );
  throwsWire(() => readHeader(words(1, 0xffff_0000), 0), /bad size 65535/);
  assert.equal(
    readHeader(words(1, MAX_MESSAGE_SIZE << 16), 0)?.size,
    MAX_MESSAGE_SIZE,
  );
});

Deno.test("wire: hostile bodies are refused with what is wrong", () => {
  const text = spec("set_title(title: string)");
  const maybe = spec("set(title: ?string, o: ?object<wl_surface>)");
  const object = spec("attach(buffer: object<wl_buffer>)");
  const created = spec("create(id: new_id<wl_surface>)");
  const bind = spec("bind(name: uint, id: new_id)");
  const array = spec("keys(keys: array)");
  const twoFds = spec("keymap(format: uint, fd: fd, size: uint, other: fd)");
  const cases: [MessageSpec, Uint8Array, RegExp][] = [
    [text, words(), /ends early/],
    [text, words(0), /null where none/],
    [text, words(5, [0x61, 0x62, 0x63, 0x64]), /runs past/],
    [text, words(2, [0x61, 0]), /padding missing/],
    [text, words(4, [0x61, 0x62, 0x63, 0x64]), /lacks its NUL/],
    [text, words(4, [0x61, 0, 0x63, 0]), /holds a NUL/],
    [text, words(2, [0xff, 0, 0, 0]), /not UTF-8/],
    [text, words(3, [0xc0, 0x80, 0, 0]), /not UTF-8/], // overlong NUL
    [text, words(4, [0xed, 0xa0, 0x80, 0]), /not UTF-8/], // a surrogate
    [text, words(0xffff_ffff), /length 4294967295 runs past/],
    [text, words(2, [0x61, 0, 0, 0], 0), /4 bytes after/],
    [maybe, words(0), /ends early/],
    [object, words(0), /null where none/],
    [created, words(0), /null where none/],
    [bind, words(1, 0, 1, 1), /null where none/],
    [
      bind,
      words(1, 8, [0x77, 0x6c, 0x5f, 0x73, 0x65, 0x61, 0x74, 0], 1, 0),
      /null where none/,
    ],
    [
      bind,
      words(1, 8, [0x77, 0x6c, 0x5f, 0x73, 0x65, 0x61, 0x74, 0], 1),
      /ends early/,
    ],
    [array, words(0x7fff_ffff), /runs past/],
    [array, words(1, [1, 2]), /padding missing/],
    [twoFds, words(1, 2), /needs 2 fds, 1 arrived/],
    [text, new Uint8Array(MAX_MESSAGE_SIZE), /too large/],
  ];
  for (const [message, body, expected] of cases) {
    const fds = [40];
    throwsWire(() => decodeArgs(message, body, fds), expected);
    assert.deepEqual(fds, [40], "a refused message takes no fd");
  }
  assert.deepEqual(decodeArgs(maybe, words(0, 0), []), [null, 0]);
  assert.deepEqual(decodeArgs(text, words(1, [0, 0, 0, 0]), []), [""]);
  assert.deepEqual(decodeArgs(array, words(0), []), [new Uint8Array()]);
});

Deno.test("wire: a decoded array is a copy, not a view of the receive buffer", () => {
  const array = spec("keys(keys: array)");
  const body = words(2, [7, 8, 0, 0]);
  const [keys] = decodeArgs(array, body, []);
  body.fill(0);
  assert.deepEqual(keys, new Uint8Array([7, 8]));
});

Deno.test("wire: the encoder refuses what the wire cannot carry", () => {
  const all = spec(
    "m(i: int, u: uint, o: object<wl_surface>, s: string, a: array, d: fd)",
  );
  const good: ArgValue[] = [1, 2, 3, "s", new Uint8Array(), 4];
  const with_ = (index: number, value: unknown) =>
    good.map((old, i) => i === index ? value : old) as ArgValue[];
  const cases: [() => unknown, RegExp][] = [
    [() => encodeMessage(1, 0, all, good.slice(1)), /5 arguments for 6/],
    [() => encodeMessage(-1, 0, all, good), /object id -1/],
    [() => encodeMessage(1, 0x10000, all, good), /opcode 65536/],
    [() => encodeMessage(1, 0, all, with_(0, 2 ** 31)), /not a 32-bit integer/],
    [() => encodeMessage(1, 0, all, with_(0, 1.5)), /not a 32-bit integer/],
    [() => encodeMessage(1, 0, all, with_(1, -1)), /not a 32-bit unsigned/],
    [() => encodeMessage(1, 0, all, with_(1, NaN)), /not a 32-bit unsigned/],
    [() => encodeMessage(1, 0, all, with_(2, 0)), /null where none/],
    [() => encodeMessage(1, 0, all, with_(2, "3")), /not an object id/],
    [() => encodeMessage(1, 0, all, with_(3, null)), /null where none/],
    [() => encodeMessage(1, 0, all, with_(3, "a\0b")), /holds a NUL/],
    [() => encodeMessage(1, 0, all, with_(3, 5)), /not a string/],
    [
      () => encodeMessage(1, 0, all, with_(3, "x".repeat(4084))),
      /exceeds 4096/,
    ],
    [
      () => encodeMessage(1, 0, all, with_(3, "x".repeat(1 << 24))),
      /exceeds 4096/,
    ],
    [() => encodeMessage(1, 0, all, with_(4, [1])), /not a byte array/],
    [
      () => encodeMessage(1, 0, all, with_(4, new Uint8Array(4096))),
      /exceeds 4096/,
    ],
    [() => encodeMessage(1, 0, all, with_(5, -1)), /not an fd/],
    [
      () => encodeMessage(1, 0, spec("bind(id: new_id)"), [5]),
      /not \{interface/,
    ],
    [
      () =>
        encodeMessage(1, 0, spec("bind(id: new_id)"), [{
          interface: "a",
          version: 1,
          id: 0,
        }]),
      /new id 0/,
    ],
  ];
  for (const [run, expected] of cases) throwsWire(run, expected);
  const manyFds = spec(
    `m(${Array.from({ length: 29 }, (_, i) => `f${i}: fd`).join(", ")})`,
  );
  throwsWire(
    () => encodeMessage(1, 0, manyFds, Array.from({ length: 29 }, (_, i) => i)),
    new RegExp(`29 fds, at most ${MAX_FDS_PER_MESSAGE}`),
  );
  // The largest message that fits is still sent.
  const largest = encodeMessage(1, 0, spec("m(s: string)"), ["x".repeat(4083)]);
  assert.equal(largest.bytes.length, MAX_MESSAGE_SIZE);
});

Deno.test("wire: every message of the table round-trips", () => {
  const seed = fuzzSeed();
  const next = xorshift(seed);
  let messages = 0;
  for (const name of knownInterfaces()) {
    const spec = protocolInterface(name)!;
    for (const message of [...spec.requests, ...spec.events]) {
      for (let round = 0; round < 4; round++) {
        const args = randomArgs(next, message);
        const opcode = next() % 0x10000;
        const { bytes, fds } = encodeMessage(7, opcode, message, args);
        const where = `seed ${seed}: ${name}.${message.name}`;
        assert.deepEqual(readHeader(bytes, 0), {
          objectId: 7,
          opcode,
          size: bytes.length,
        }, where);
        const queue = [...fds, -1];
        assert.deepEqual(
          decodeArgs(message, bytes.subarray(HEADER_SIZE), queue),
          args,
          where,
        );
        assert.deepEqual(queue, [-1], where);
        assert.deepEqual(
          fds,
          args.filter((_, i) => message.args[i].type === "fd"),
          where,
        );
        messages++;
      }
    }
  }
  assert.ok(messages > 2000, `only ${messages} messages`);
});
