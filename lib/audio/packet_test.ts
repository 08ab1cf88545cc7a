import assert from "node:assert/strict";
import { AUTH_MEMFD, AUTH_SHM, COMMAND, ERR_ACCESS } from "./commands.ts";
import { DESCRIPTOR_SIZE, readDescriptor } from "./frame.ts";
import {
  accessError,
  clearSharedMemoryFlags,
  readClientCommand,
} from "./packet.ts";
import { AudioProtocolError } from "./protocol_error.ts";
import { TagReader, TagWriter } from "./tagstruct.ts";

Deno.test("packet: a command's number, tag and target are read", () => {
  assert.deepEqual(
    readClientCommand(
      new TagWriter().u32(COMMAND.SET_SINK_INPUT_VOLUME).u32(5).u32(12)
        .cvolume([0x10000]).bytes(),
    ),
    { command: COMMAND.SET_SINK_INPUT_VOLUME, tag: 5, target: 12 },
  );
  assert.deepEqual(
    readClientCommand(
      new TagWriter().u32(COMMAND.GET_SERVER_INFO).u32(2).bytes(),
    ),
    { command: COMMAND.GET_SERVER_INFO, tag: 2 },
  );
});

Deno.test("packet: AUTH's version is read without its flag bits", () => {
  const auth = new TagWriter().u32(COMMAND.AUTH).u32(0)
    .u32((AUTH_SHM | AUTH_MEMFD | 35) >>> 0).arbitrary(new Uint8Array(256))
    .bytes();
  assert.equal(readClientCommand(auth).version, 35);
});

/** A CREATE_RECORD_STREAM as libpulse (protocol 35) writes it. */
function createRecord(directOnInput: number): Uint8Array {
  const writer = new TagWriter().u32(COMMAND.CREATE_RECORD_STREAM).u32(4)
    .sampleSpec(3, 1, 48_000).channelMap([0]).u32(0xffff_ffff)
    .string("mic").u32(0xffff_ffff).boolean(false).u32(0xffff_ffff);
  for (let i = 0; i < 9; i++) writer.boolean(false);
  return writer.proplist({ "media.name": "rec" }).u32(directOnInput)
    .boolean(false).boolean(false).boolean(false).bytes();
}

Deno.test("packet: CREATE_RECORD_STREAM's direct_on_input is read", () => {
  assert.equal(readClientCommand(createRecord(17)).directOnInput, 17);
  const broken = createRecord(17);
  broken[broken.length - 8] = "t".charCodeAt(0);
  assert.throws(() => readClientCommand(broken), AudioProtocolError);
});

Deno.test("packet: a malformed tail is refused, not forwarded unread", () => {
  const packet = new TagWriter().u32(COMMAND.GET_SINK_INFO).u32(1).u32(0)
    .bytes();
  assert.throws(
    () => readClientCommand(Uint8Array.of(...packet, 0x7a)),
    AudioProtocolError,
  );
  assert.throws(
    () => readClientCommand(Uint8Array.of(76, 0)),
    AudioProtocolError,
  );
});

Deno.test("packet: the shared-memory bits are cleared in place", () => {
  const auth = new TagWriter().u32(COMMAND.AUTH).u32(0)
    .u32((AUTH_SHM | AUTH_MEMFD | 35) >>> 0).arbitrary(new Uint8Array(4))
    .bytes();
  clearSharedMemoryFlags(auth);
  const reader = new TagReader(auth);
  assert.deepEqual([reader.u32(), reader.u32(), reader.u32()], [
    COMMAND.AUTH,
    0,
    35,
  ]);
  const reply = new TagWriter().u32(COMMAND.REPLY).u32(0).string("x").bytes();
  assert.throws(() => clearSharedMemoryFlags(reply), AudioProtocolError);
});

Deno.test("packet: the access error carries the command's tag", () => {
  const frame = accessError(41);
  assert.equal(readDescriptor(frame).channel, 0xffff_ffff);
  const reader = new TagReader(frame.subarray(DESCRIPTOR_SIZE));
  assert.deepEqual([reader.u32(), reader.u32(), reader.u32()], [
    COMMAND.ERROR,
    41,
    ERR_ACCESS,
  ]);
  assert.ok(reader.done);
});
