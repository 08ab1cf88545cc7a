import assert from "node:assert/strict";
import { COMMAND, type CommandName, FACILITY } from "./commands.ts";
import {
  type AudioMode,
  decide,
  eventVisible,
  type Ownership,
} from "./policy.ts";

const owned: Ownership = {
  client: 7,
  sinkInputs: new Set([4]),
  sourceOutputs: new Set([9]),
};

function allowed(
  name: CommandName,
  mode: AudioMode,
  extra: { target?: number; directOnInput?: number; version?: number } = {},
): boolean {
  return decide({ command: COMMAND[name], tag: 1, ...extra }, mode, owned)
    .allow;
}

const PLAYBACK: CommandName[] = [
  "AUTH",
  "SET_CLIENT_NAME",
  "GET_SERVER_INFO",
  "LOOKUP_SINK",
  "GET_SINK_INFO",
  "GET_SINK_INFO_LIST",
  "SUBSCRIBE",
  "CREATE_PLAYBACK_STREAM",
  "DELETE_PLAYBACK_STREAM",
  "CORK_PLAYBACK_STREAM",
  "FLUSH_PLAYBACK_STREAM",
  "DRAIN_PLAYBACK_STREAM",
  "GET_PLAYBACK_LATENCY",
  "SET_PLAYBACK_STREAM_BUFFER_ATTR",
];

const RECORDING: CommandName[] = [
  "CREATE_RECORD_STREAM",
  "DELETE_RECORD_STREAM",
  "GET_SOURCE_INFO",
  "GET_SOURCE_INFO_LIST",
  "LOOKUP_SOURCE",
  "GET_RECORD_LATENCY",
  "CORK_RECORD_STREAM",
];

const NEVER: CommandName[] = [
  "LOAD_MODULE",
  "UNLOAD_MODULE",
  "GET_MODULE_INFO_LIST",
  "GET_CLIENT_INFO_LIST",
  "GET_SINK_INPUT_INFO_LIST",
  "GET_SOURCE_OUTPUT_INFO_LIST",
  "MOVE_SINK_INPUT",
  "MOVE_SOURCE_OUTPUT",
  "KILL_CLIENT",
  "KILL_SINK_INPUT",
  "KILL_SOURCE_OUTPUT",
  "EXIT",
  "SET_DEFAULT_SINK",
  "SET_DEFAULT_SOURCE",
  "SET_SINK_VOLUME",
  "SET_SINK_MUTE",
  "SUSPEND_SINK",
  "SET_CARD_PROFILE",
  "EXTENSION",
  "PLAY_SAMPLE",
  "CREATE_UPLOAD_STREAM",
  "ENABLE_SRBCHANNEL",
  "REGISTER_MEMFD_SHMID",
  "SEND_OBJECT_MESSAGE",
  "REPLY",
];

Deno.test("policy: playback allows what playing needs, in both modes", () => {
  for (const name of PLAYBACK) {
    assert.ok(allowed(name, "playback", { version: 35 }), name);
    assert.ok(allowed(name, "duplex", { version: 35 }), name);
  }
});

Deno.test("policy: recording is duplex only", () => {
  for (const name of RECORDING) {
    assert.ok(!allowed(name, "playback"), name);
    assert.ok(allowed(name, "duplex"), name);
  }
  assert.deepEqual(
    decide(
      { command: COMMAND.CREATE_RECORD_STREAM, tag: 3 },
      "playback",
      owned,
    ),
    { allow: false, reason: "recording needs `audio: duplex`" },
  );
});

Deno.test("policy: modules, other clients, kills and defaults never pass", () => {
  for (const name of NEVER) {
    assert.ok(!allowed(name, "duplex"), name);
  }
  assert.deepEqual(
    decide({ command: COMMAND.LOAD_MODULE, tag: 2 }, "duplex", owned),
    { allow: false, reason: "modules are the host's" },
  );
  assert.match(
    (decide({ command: 4000, tag: 2 }, "duplex", owned) as { reason: string })
      .reason,
    /#4000 is not needed/,
  );
});

Deno.test("policy: a stream or client index must be this connection's", () => {
  assert.ok(allowed("SET_SINK_INPUT_VOLUME", "playback", { target: 4 }));
  assert.ok(allowed("GET_SINK_INPUT_INFO", "playback", { target: 4 }));
  assert.ok(!allowed("GET_SINK_INPUT_INFO", "playback", { target: 5 }));
  assert.ok(!allowed("SET_SINK_INPUT_MUTE", "playback", {}));
  assert.ok(allowed("GET_CLIENT_INFO", "playback", { target: 7 }));
  assert.ok(!allowed("GET_CLIENT_INFO", "playback", { target: 0 }));
  assert.ok(allowed("SET_SOURCE_OUTPUT_VOLUME", "duplex", { target: 9 }));
  assert.ok(!allowed("SET_SOURCE_OUTPUT_VOLUME", "duplex", { target: 4 }));
  assert.ok(!allowed("GET_SOURCE_OUTPUT_INFO", "playback", { target: 9 }));
  assert.deepEqual(
    decide(
      { command: COMMAND.GET_SINK_INPUT_INFO, tag: 2, target: 5 },
      "playback",
      owned,
    ),
    { allow: false, reason: "sink input 5 is not this connection's" },
  );
});

Deno.test("policy: recording another client's stream directly is refused", () => {
  assert.ok(allowed("CREATE_RECORD_STREAM", "duplex", { directOnInput: 4 }));
  assert.ok(
    allowed("CREATE_RECORD_STREAM", "duplex", { directOnInput: 0xffff_ffff }),
  );
  assert.ok(!allowed("CREATE_RECORD_STREAM", "duplex", { directOnInput: 5 }));
});

Deno.test("policy: protocols before version 13 are refused", () => {
  assert.ok(!allowed("AUTH", "playback", { version: 12 }));
  assert.ok(allowed("AUTH", "playback", { version: 13 }));
});

Deno.test("policy: events about other clients' objects are hidden", () => {
  const visible = (facility: number, index: number, mode: AudioMode) =>
    eventVisible(0x10 | facility, index, mode, owned);
  assert.ok(visible(FACILITY.SINK, 0, "playback"));
  assert.ok(visible(FACILITY.SERVER, 0xffff_ffff, "playback"));
  assert.ok(!visible(FACILITY.SOURCE, 1, "playback"));
  assert.ok(visible(FACILITY.SOURCE, 1, "duplex"));
  assert.ok(visible(FACILITY.SINK_INPUT, 4, "playback"));
  assert.ok(!visible(FACILITY.SINK_INPUT, 5, "playback"));
  assert.ok(visible(FACILITY.SOURCE_OUTPUT, 9, "duplex"));
  assert.ok(!visible(FACILITY.SOURCE_OUTPUT, 10, "duplex"));
  assert.ok(visible(FACILITY.CLIENT, 7, "playback"));
  assert.ok(!visible(FACILITY.CLIENT, 8, "duplex"));
  assert.ok(!visible(FACILITY.MODULE, 0, "duplex"));
  assert.ok(!visible(FACILITY.CARD, 0, "duplex"));
});
