import assert from "node:assert/strict";
import { AudioProtocolError } from "./protocol_error.ts";
import { TAG, TagReader, type TagValue, TagWriter } from "./tagstruct.ts";

function readAll(bytes: Uint8Array): TagValue[] {
  const reader = new TagReader(bytes);
  const values: TagValue[] = [];
  while (!reader.done) values.push(reader.next());
  return values;
}

Deno.test("tagstruct: what the writer writes, the reader reads", () => {
  const bytes = new TagWriter()
    .u32(0xffff_ffff).u8(7).boolean(true).boolean(false)
    .string("sink").string(null).string("")
    .arbitrary(Uint8Array.of(1, 2, 3))
    .sampleSpec(3, 2, 48_000).channelMap([1, 2]).cvolume([0x10000, 0])
    .proplist({ "application.name": "qubesify" })
    .bytes();
  const values = readAll(bytes).map(({ offset: _, ...value }) => value);
  assert.deepEqual(values, [
    { type: "u32", value: 0xffff_ffff },
    { type: "u8", value: 7 },
    { type: "boolean", value: true },
    { type: "boolean", value: false },
    { type: "string", value: "sink" },
    { type: "string", value: null },
    { type: "string", value: "" },
    { type: "arbitrary", value: Uint8Array.of(1, 2, 3) },
    { type: "sample_spec", format: 3, channels: 2, rate: 48_000 },
    { type: "channel_map", value: Uint8Array.of(1, 2) },
    { type: "cvolume", value: [0x10000, 0] },
    {
      type: "proplist",
      value: new Map([[
        "application.name",
        new TextEncoder().encode("qubesify\0"),
      ]]),
    },
  ]);
});

Deno.test("tagstruct: 64-bit values, times, volumes and format infos", () => {
  const bytes = Uint8Array.of(
    TAG.u64,
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    2,
    TAG.s64,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xfe,
    TAG.usec,
    0,
    0,
    0,
    0,
    0,
    0,
    0x30,
    0x39,
    TAG.timeval,
    0,
    0,
    0,
    5,
    0,
    0,
    0,
    6,
    TAG.volume,
    0,
    1,
    0,
    0,
    TAG.formatInfo,
    TAG.u8,
    1,
    TAG.proplist,
    TAG.stringNull,
  );
  const values = readAll(bytes);
  assert.deepEqual(values.map((value) => value.offset), [0, 9, 18, 27, 36, 41]);
  assert.deepEqual(values.map(({ offset: _, ...value }) => value), [
    { type: "u64", value: 0x1_0000_0002n },
    { type: "s64", value: -2n },
    { type: "usec", value: 12345n },
    { type: "timeval", seconds: 5, microseconds: 6 },
    { type: "volume", value: 0x10000 },
    { type: "format_info", encoding: 1, properties: new Map() },
  ]);
});

Deno.test("tagstruct: malformed values are refused", () => {
  const key = new TextEncoder().encode("a.b\0");
  const cases: [string, Uint8Array][] = [
    ["unknown tag", Uint8Array.of(0x7a)],
    ["short u32", Uint8Array.of(TAG.u32, 0, 0, 1)],
    ["string without NUL", Uint8Array.of(TAG.string, 0x61, 0x62)],
    ["33 channels", Uint8Array.of(TAG.channelMap, 33, ...new Uint8Array(33))],
    ["arbitrary past the end", Uint8Array.of(TAG.arbitrary, 0, 0, 0, 9, 1)],
    ["unterminated proplist", Uint8Array.of(TAG.proplist)],
    [
      "format info without encoding",
      Uint8Array.of(TAG.formatInfo, TAG.proplist, TAG.stringNull),
    ],
    [
      "property length mismatch",
      Uint8Array.of(
        TAG.proplist,
        TAG.string,
        ...key,
        TAG.u32,
        0,
        0,
        0,
        2,
        TAG.arbitrary,
        0,
        0,
        0,
        1,
        0x41,
        TAG.stringNull,
      ),
    ],
    [
      "non-ASCII key",
      Uint8Array.of(
        TAG.proplist,
        TAG.string,
        0xc3,
        0xa9,
        0,
        TAG.u32,
        0,
        0,
        0,
        0,
        TAG.arbitrary,
        0,
        0,
        0,
        0,
        TAG.stringNull,
      ),
    ],
  ];
  for (const [what, bytes] of cases) {
    assert.throws(() => readAll(bytes), AudioProtocolError, what);
  }
});

Deno.test("tagstruct: u32() names what it found instead", () => {
  const reader = new TagReader(new TagWriter().string("x").bytes());
  assert.throws(() => reader.u32(), /expected a u32 at byte 0, found a string/);
});
