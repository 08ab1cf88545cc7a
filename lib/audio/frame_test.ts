import assert from "node:assert/strict";
import {
  CONTROL_CHANNEL,
  DESCRIPTOR_SIZE,
  encodeFrame,
  FrameSplitter,
  isSharedMemoryFrame,
  readDescriptor,
} from "./frame.ts";
import { AudioProtocolError } from "./protocol_error.ts";
import { concatBytes } from "../io/mod.ts";

Deno.test("frame: a descriptor is read back as written", () => {
  const bytes = encodeFrame(
    { channel: 7, offsetHigh: 1, offsetLow: 2, flags: 3 },
    new Uint8Array(5),
  );
  assert.equal(bytes.length, DESCRIPTOR_SIZE + 5);
  assert.deepEqual(readDescriptor(bytes), {
    length: 5,
    channel: 7,
    offsetHigh: 1,
    offsetLow: 2,
    flags: 3,
  });
  assert.equal(
    readDescriptor(encodeFrame({}, Uint8Array.of(1))).channel,
    CONTROL_CHANNEL,
  );
});

Deno.test("frame: an empty, oversized or short descriptor is refused", () => {
  const descriptor = (length: number) => {
    const bytes = new Uint8Array(DESCRIPTOR_SIZE);
    new DataView(bytes.buffer).setUint32(0, length);
    return bytes;
  };
  assert.throws(() => readDescriptor(descriptor(0)), AudioProtocolError);
  assert.throws(() => readDescriptor(descriptor(101), 100), AudioProtocolError);
  assert.equal(readDescriptor(descriptor(100), 100).length, 100);
  assert.throws(() => readDescriptor(new Uint8Array(19)), AudioProtocolError);
});

Deno.test("frame: the shared-memory flags are recognised", () => {
  const header = readDescriptor(
    encodeFrame({ flags: 0x8000_0000 }, Uint8Array.of(1)),
  );
  assert.ok(isSharedMemoryFrame(header));
  assert.ok(!isSharedMemoryFrame({ ...header, flags: 0x01 }));
});

Deno.test("frame: the splitter cuts the same frames from any chunking", () => {
  const frames = [
    encodeFrame({}, Uint8Array.of(76, 0, 0, 0, 1)),
    encodeFrame({ channel: 3 }, new Uint8Array(70_000).fill(9)),
    encodeFrame({ channel: 4, flags: 1 }, Uint8Array.of(2)),
  ];
  const stream = concatBytes(frames);
  for (const size of [1, 7, 20, 21, 4096, stream.length]) {
    const splitter = new FrameSplitter();
    const got = [];
    for (let offset = 0; offset < stream.length; offset += size) {
      got.push(...splitter.push(stream.subarray(offset, offset + size)));
    }
    assert.deepEqual(got.map((f) => f.bytes), frames, `chunks of ${size}`);
    assert.deepEqual(got[1].payload, frames[1].subarray(DESCRIPTOR_SIZE));
    assert.equal(got[2].header.flags, 1);
    assert.equal(splitter.buffered, 0);
  }
});

Deno.test("frame: an oversized frame fails before its payload is held", () => {
  const splitter = new FrameSplitter(1024);
  const head = encodeFrame({}, new Uint8Array(2048)).subarray(
    0,
    DESCRIPTOR_SIZE,
  );
  assert.throws(() => splitter.push(head), AudioProtocolError);
  assert.equal(splitter.buffered, DESCRIPTOR_SIZE);
});
