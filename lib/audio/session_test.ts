import assert from "node:assert/strict";
import {
  AUTH_MEMFD,
  AUTH_SHM,
  COMMAND,
  ERR_ACCESS,
  FACILITY,
} from "./commands.ts";
import {
  DESCRIPTOR_SIZE,
  encodeFrame,
  type Frame,
  FrameSplitter,
} from "./frame.ts";
import { AudioSession } from "./session.ts";
import { TagReader, TagWriter } from "./tagstruct.ts";

function frame(payload: Uint8Array, channel?: number, flags = 0): Frame {
  return new FrameSplitter().push(encodeFrame({ channel, flags }, payload))[0];
}

function packet(...words: number[]): Frame {
  const writer = new TagWriter();
  for (const word of words) writer.u32(word);
  return frame(writer.bytes());
}

/** The u32 values of a control frame. */
function words(bytes: Uint8Array): number[] {
  const reader = new TagReader(bytes.subarray(DESCRIPTOR_SIZE));
  const values: number[] = [];
  while (!reader.done) {
    const value = reader.next();
    if (value.type === "u32") values.push(value.value);
  }
  return values;
}

/** A session whose client has created a playback stream: channel 0, sink input 30. */
function playing(mode: "playback" | "duplex" = "playback"): AudioSession {
  const session = new AudioSession(mode);
  session.fromClient(packet(COMMAND.SET_CLIENT_NAME, 1));
  session.fromServer(packet(COMMAND.REPLY, 1, 12));
  session.fromClient(packet(COMMAND.CREATE_PLAYBACK_STREAM, 2));
  session.fromServer(packet(COMMAND.REPLY, 2, 0, 30, 4096));
  return session;
}

Deno.test("session: AUTH and its reply lose their shared-memory bits", () => {
  const session = new AudioSession("playback");
  const auth = frame(
    new TagWriter().u32(COMMAND.AUTH).u32(0)
      .u32((AUTH_SHM | AUTH_MEMFD | 35) >>> 0).arbitrary(new Uint8Array(256))
      .bytes(),
  );
  const out = session.fromClient(auth);
  assert.deepEqual(words(out.toServer[0]), [COMMAND.AUTH, 0, 35]);
  const reply = session.fromServer(
    packet(COMMAND.REPLY, 0, (AUTH_SHM | AUTH_MEMFD | 35) >>> 0),
  );
  assert.deepEqual(words(reply.toClient[0]), [COMMAND.REPLY, 0, 35]);
});

Deno.test("session: a refused command is answered, logged, not forwarded", () => {
  const session = new AudioSession("playback");
  const out = session.fromClient(packet(COMMAND.LOAD_MODULE, 9));
  assert.deepEqual(out.toServer, []);
  assert.deepEqual(words(out.toClient[0]), [COMMAND.ERROR, 9, ERR_ACCESS]);
  assert.deepEqual(out.log, [
    "refused LOAD_MODULE (tag 9): modules are the host's",
  ]);
});

Deno.test("session: a stream's replies make its sink input this connection's", () => {
  const session = playing();
  assert.equal(session.client, 12);
  assert.deepEqual([...session.sinkInputs], [30]);
  const own = session.fromClient(
    packet(COMMAND.SET_SINK_INPUT_VOLUME, 3, 30),
  );
  assert.equal(own.toServer.length, 1);
  const other = session.fromClient(
    packet(COMMAND.SET_SINK_INPUT_VOLUME, 4, 31),
  );
  assert.deepEqual(words(other.toClient[0]), [COMMAND.ERROR, 4, ERR_ACCESS]);
  session.fromClient(packet(COMMAND.DELETE_PLAYBACK_STREAM, 5, 0));
  assert.deepEqual([...session.sinkInputs], []);
});

Deno.test("session: a killed stream is forgotten", () => {
  const session = playing();
  session.fromServer(packet(COMMAND.PLAYBACK_STREAM_KILLED, 0xffff_ffff, 0));
  assert.deepEqual([...session.sinkInputs], []);
});

Deno.test("session: a failed creation owns nothing", () => {
  const session = new AudioSession("duplex");
  session.fromClient(packet(COMMAND.CREATE_RECORD_STREAM, 2));
  session.fromServer(packet(COMMAND.ERROR, 2, 5));
  session.fromServer(packet(COMMAND.REPLY, 2, 0, 44));
  assert.deepEqual([...session.sourceOutputs], []);
});

Deno.test("session: events of other clients' objects do not reach the client", () => {
  const session = playing();
  const event = (facility: number, index: number) =>
    session.fromServer(
      packet(COMMAND.SUBSCRIBE_EVENT, 0xffff_ffff, facility, index),
    )
      .toClient.length;
  assert.equal(event(FACILITY.SINK_INPUT, 30), 1);
  assert.equal(event(FACILITY.SINK_INPUT, 31), 0);
  assert.equal(event(FACILITY.CLIENT, 12), 1);
  assert.equal(event(FACILITY.CLIENT, 13), 0);
  assert.equal(event(FACILITY.SINK, 0), 1);
  assert.equal(event(FACILITY.MODULE, 3), 0);
});

Deno.test("session: audio frames pass both ways", () => {
  const session = playing();
  const audio = frame(new Uint8Array(64).fill(1), 0);
  assert.deepEqual(session.fromClient(audio).toServer, [audio.bytes]);
  assert.deepEqual(session.fromServer(audio).toClient, [audio.bytes]);
});

Deno.test("session: shared memory from either side ends the connection", () => {
  const session = playing();
  const shm = frame(new Uint8Array(16), 0, 0x8000_0000);
  assert.match(session.fromClient(shm).close ?? "", /shared-memory frame/);
  assert.match(session.fromServer(shm).close ?? "", /shared-memory frame/);
  const offer = session.fromServer(
    packet(COMMAND.ENABLE_SRBCHANNEL, 0xffff_ffff, 1),
  );
  assert.match(offer.close ?? "", /offered shared memory/);
  assert.deepEqual(offer.toClient, []);
});

Deno.test("session: a tag still awaiting its reply cannot be reused", () => {
  const session = new AudioSession("playback");
  session.fromClient(packet(COMMAND.CREATE_PLAYBACK_STREAM, 2));
  const reuse = session.fromClient(packet(COMMAND.GET_SINK_INFO, 2, 0));
  assert.deepEqual(reuse.toServer, []);
  assert.match(reuse.log[0], /tag 2 is still awaiting its reply/);
});

Deno.test("session: streams and pending replies are capped", () => {
  const session = new AudioSession("playback", { streams: 2, pending: 3 });
  for (const tag of [1, 2]) {
    session.fromClient(packet(COMMAND.CREATE_PLAYBACK_STREAM, tag));
  }
  const third = session.fromClient(packet(COMMAND.CREATE_PLAYBACK_STREAM, 3));
  assert.match(third.log[0], /more than 2 streams/);
  session.fromClient(packet(COMMAND.SET_CLIENT_NAME, 4));
  const fourth = session.fromClient(packet(COMMAND.SET_CLIENT_NAME, 5));
  assert.match(fourth.log[0], /more than 3 requests awaiting replies/);
});

Deno.test("session: refusals past the logged ones are only counted", () => {
  const session = new AudioSession("playback", { loggedRefusals: 2 });
  const logged = [1, 2, 3, 4].flatMap((tag) =>
    session.fromClient(packet(COMMAND.EXIT, tag)).log
  );
  assert.equal(logged.length, 2);
  assert.equal(session.unloggedRefusals, 2);
});
