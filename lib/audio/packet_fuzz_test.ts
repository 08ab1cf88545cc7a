import assert from "node:assert/strict";
import { fuzzSeed, xorshift } from "../io/_test_fuzz.ts";
import { AUTH_SHM, COMMAND, FACILITY } from "./commands.ts";
import {
  DESCRIPTOR_SIZE,
  encodeFrame,
  FrameSplitter,
  readDescriptor,
} from "./frame.ts";
import { AudioProtocolError } from "./protocol_error.ts";
import { AudioSession, DEFAULT_SESSION_LIMITS } from "./session.ts";
import { TAG, TagReader, TagWriter } from "./tagstruct.ts";

const ROUNDS = 120_000;
const MAX_FRAME = 4096;

// Words a hostile guest would try in a length, index or tag field.
const NASTY = [0, 1, 2, 3, 13, 0x7f, 0xff, 0x1_0000, 0x7fff_ffff, 0xffff_ffff];
const TAGS = Object.values(TAG);

type Next = () => number;

/** A well-formed packet of one of the shapes clients and servers send. */
function validPacket(next: Next): Uint8Array {
  const tag = next() % 8;
  const index = NASTY[next() % NASTY.length];
  const writer = new TagWriter();
  switch (next() % 8) {
    case 0:
      return writer.u32(COMMAND.AUTH).u32(tag).u32((AUTH_SHM | 35) >>> 0)
        .arbitrary(new Uint8Array(next() % 300)).bytes();
    case 1:
      return writer.u32(COMMAND.SET_CLIENT_NAME).u32(tag)
        .proplist({ "application.name": "x".repeat(next() % 40) }).bytes();
    case 2:
      return writer.u32(COMMAND.REPLY).u32(tag).u32(next() % 4).u32(index)
        .u32(4096).bytes();
    case 3:
      return writer.u32(COMMAND.SUBSCRIBE_EVENT).u32(0xffff_ffff)
        .u32(next() % 10 | FACILITY.SINK).u32(index).bytes();
    case 4:
      writer.u32(COMMAND.CREATE_RECORD_STREAM).u32(tag).sampleSpec(3, 2, 48000)
        .channelMap([1, 2]).u32(index).string(null).u32(0).boolean(false);
      return writer.proplist({ "media.name": "r" }).u32(index).bytes();
    case 5:
      return writer.u32(COMMAND.SET_SINK_INPUT_VOLUME).u32(tag).u32(index)
        .cvolume([0x10000, index]).bytes();
    case 6:
      return writer.u32(next() % 110).u32(tag).u32(index).string("s").bytes();
    default:
      return writer.u32(COMMAND.PLAYBACK_STREAM_KILLED).u32(0xffff_ffff)
        .u32(next() % 4).bytes();
  }
}

/** `bytes`, broken in one of several ways. */
function mutate(next: Next, bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  switch (next() % 5) {
    case 0:
      if (copy.length) copy[next() % copy.length] ^= 1 << (next() % 8);
      return copy;
    case 1:
      return copy.subarray(0, next() % (copy.length + 1));
    case 2: {
      if (copy.length < 4) return copy;
      const at = next() % (copy.length - 3);
      new DataView(copy.buffer).setUint32(at, NASTY[next() % NASTY.length]);
      return copy;
    }
    case 3:
      if (copy.length) copy[next() % copy.length] = TAGS[next() % TAGS.length];
      return copy;
    default:
      return Uint8Array.of(...copy, ...randomBytes(next, next() % 16));
  }
}

function randomBytes(next: Next, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => next() & 0xff);
}

/** A tagstruct of random tags, each followed by a few random bytes. */
function randomTags(next: Next): Uint8Array {
  const parts: number[] = [];
  for (let i = next() % 12; i > 0; i--) {
    parts.push(TAGS[next() % TAGS.length], ...randomBytes(next, next() % 6));
  }
  return Uint8Array.from(parts);
}

function replay(seed: number): string {
  return `replay with QUBESIFY_FUZZ_SEED=${seed}`;
}

/** Throws unless `error` is the parser's own error. */
function expectedOnly(error: unknown, seed: number, round: number): void {
  if (error instanceof AudioProtocolError) return;
  throw new Error(`round ${round} threw ${error}; ${replay(seed)}`);
}

Deno.test("audio fuzz: frames and packets from either side", () => {
  const seed = fuzzSeed();
  const next = xorshift(seed);
  let session = new AudioSession(next() % 2 ? "playback" : "duplex");
  let splitter = new FrameSplitter(MAX_FRAME);
  let refused = 0;
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 200 === 0) {
      session = new AudioSession(next() % 2 ? "playback" : "duplex");
      splitter = new FrameSplitter(MAX_FRAME);
    }
    const kind = next() % 10;
    const payload = kind < 5
      ? mutate(next, validPacket(next))
      : kind < 7
      ? randomTags(next)
      : randomBytes(next, next() % 64);
    const channel = next() % 8 === 0 ? next() % 3 : undefined;
    const flags = next() % 16 === 0 ? NASTY[next() % NASTY.length] : 0;
    let stream = payload.length
      ? encodeFrame({ channel, flags }, payload)
      : payload;
    if (kind === 9) stream = mutate(next, stream);
    try {
      let offset = 0;
      while (offset < stream.length) {
        const size = 1 + next() % 48;
        for (
          const frame of splitter.push(stream.subarray(offset, offset + size))
        ) {
          const out = next() % 2
            ? session.fromClient(frame)
            : session.fromServer(frame);
          for (const bytes of [...out.toClient, ...out.toServer]) {
            assert.equal(
              readDescriptor(bytes).length,
              bytes.length - DESCRIPTOR_SIZE,
            );
          }
          if (out.toClient.length && !out.toServer.length) refused++;
        }
        offset += size;
      }
    } catch (error) {
      expectedOnly(error, seed, round);
      splitter = new FrameSplitter(MAX_FRAME);
    }
    assert.ok(splitter.buffered <= DESCRIPTOR_SIZE + MAX_FRAME, replay(seed));
    assert.ok(
      session.sinkInputs.size + session.sourceOutputs.size <=
        DEFAULT_SESSION_LIMITS.streams,
      replay(seed),
    );
  }
  assert.ok(
    refused > 1000,
    `only ${refused} refusals: the inputs are too tame`,
  );
});

Deno.test("audio fuzz: the tagstruct reader on raw bytes", () => {
  const seed = fuzzSeed();
  const next = xorshift(seed);
  for (let round = 0; round < ROUNDS; round++) {
    const bytes = next() % 2
      ? randomTags(next)
      : mutate(next, validPacket(next));
    const reader = new TagReader(bytes);
    let values = 0;
    try {
      while (!reader.done) {
        const value = reader.next();
        assert.ok(value.offset < bytes.length, replay(seed));
        values++;
      }
    } catch (error) {
      expectedOnly(error, seed, round);
    }
    assert.ok(values <= bytes.length, replay(seed));
  }
});
