/**
 * What a VM's pulse client may ask of the user's sound server, by the
 * recipe's `audio` mode. A pure function of the command, the mode and what
 * this connection owns.
 *
 * - `playback`: authenticate, name the client, read server and sink
 *   information (to pick a sink), create playback streams and control
 *   them (cork, flush, drain, latency, buffer, name, its own volume).
 * - `duplex` adds record streams and source information.
 * - Never: modules, other clients (listing them or their streams, moving,
 *   killing, changing their volume), defaults, sink or card settings, the
 *   sample cache, extensions, shared memory, and stopping the server.
 *
 * Commands that name a stream by channel act on this connection's streams
 * only (channels are per connection in the server); commands that name a
 * sink input, source output or client by index are allowed for the ones
 * this connection created.
 *
 * @module
 */
import {
  COMMAND,
  type CommandName,
  commandName,
  FACILITY,
  FACILITY_MASK,
  INVALID_INDEX,
} from "./commands.ts";

/** The recipe's `audio` value, once it is not "none". */
export type AudioMode = "playback" | "duplex";

/** What the policy reads from a command packet of the client. */
export interface ClientCommand {
  /** Its command number. */
  command: number;
  /** The tag its reply will carry. */
  tag: number;
  /** Its third value when a u32: the index or channel it acts on. */
  target?: number;
  /** CREATE_RECORD_STREAM: the sink input it records alone, if any. */
  directOnInput?: number;
  /** AUTH: the protocol version asked for. */
  version?: number;
}

/** What this connection created, by server index. */
export interface Ownership {
  /** Its client index, once the server has told it. */
  client?: number;
  /** Its playback streams' sink inputs. */
  sinkInputs: ReadonlySet<number>;
  /** Its record streams' source outputs. */
  sourceOutputs: ReadonlySet<number>;
}

/** Let the command through, or answer it with an access error. */
export type Decision = { allow: true } | { allow: false; reason: string };

/** The oldest protocol the guard speaks (pulse 0.9.11, 2008). */
export const MIN_PROTOCOL_VERSION = 13;

type OwnedKind = "sink input" | "source output" | "client";

interface Rule {
  /** The least mode that allows it. */
  mode: AudioMode;
  /** The kind of object its target must be one of ours. */
  owns?: OwnedKind;
}

function rules(
  mode: AudioMode,
  names: readonly CommandName[],
  owns?: OwnedKind,
): [number, Rule][] {
  return names.map((name) => [COMMAND[name], { mode, owns }]);
}

const ALLOWED = new Map<number, Rule>([
  ...rules("playback", [
    "AUTH",
    "SET_CLIENT_NAME",
    "UPDATE_CLIENT_PROPLIST",
    "REMOVE_CLIENT_PROPLIST",
    "SUBSCRIBE",
    "GET_SERVER_INFO",
    "LOOKUP_SINK",
    "GET_SINK_INFO",
    "GET_SINK_INFO_LIST",
    "CREATE_PLAYBACK_STREAM",
    "DELETE_PLAYBACK_STREAM",
    "DRAIN_PLAYBACK_STREAM",
    "GET_PLAYBACK_LATENCY",
    "CORK_PLAYBACK_STREAM",
    "FLUSH_PLAYBACK_STREAM",
    "TRIGGER_PLAYBACK_STREAM",
    "PREBUF_PLAYBACK_STREAM",
    "SET_PLAYBACK_STREAM_NAME",
    "SET_PLAYBACK_STREAM_BUFFER_ATTR",
    "UPDATE_PLAYBACK_STREAM_SAMPLE_RATE",
    "UPDATE_PLAYBACK_STREAM_PROPLIST",
    "REMOVE_PLAYBACK_STREAM_PROPLIST",
  ]),
  ...rules("playback", [
    "GET_SINK_INPUT_INFO",
    "SET_SINK_INPUT_VOLUME",
    "SET_SINK_INPUT_MUTE",
  ], "sink input"),
  ...rules("playback", ["GET_CLIENT_INFO"], "client"),
  ...rules("duplex", [
    "LOOKUP_SOURCE",
    "GET_SOURCE_INFO",
    "GET_SOURCE_INFO_LIST",
    "CREATE_RECORD_STREAM",
    "DELETE_RECORD_STREAM",
    "GET_RECORD_LATENCY",
    "CORK_RECORD_STREAM",
    "FLUSH_RECORD_STREAM",
    "SET_RECORD_STREAM_NAME",
    "SET_RECORD_STREAM_BUFFER_ATTR",
    "UPDATE_RECORD_STREAM_SAMPLE_RATE",
    "UPDATE_RECORD_STREAM_PROPLIST",
    "REMOVE_RECORD_STREAM_PROPLIST",
  ]),
  ...rules("duplex", [
    "GET_SOURCE_OUTPUT_INFO",
    "SET_SOURCE_OUTPUT_VOLUME",
    "SET_SOURCE_OUTPUT_MUTE",
  ], "source output"),
]);

/** Why the commands allowed in no mode are refused, for the log. */
const NEVER: readonly [readonly CommandName[], string][] = [
  [
    ["LOAD_MODULE", "UNLOAD_MODULE", "GET_MODULE_INFO", "GET_MODULE_INFO_LIST"],
    "modules are the host's",
  ],
  [
    [
      "GET_CLIENT_INFO_LIST",
      "GET_SINK_INPUT_INFO_LIST",
      "GET_SOURCE_OUTPUT_INFO_LIST",
      "MOVE_SINK_INPUT",
      "MOVE_SOURCE_OUTPUT",
    ],
    "other clients and their streams are not the VM's",
  ],
  [
    ["EXIT", "KILL_CLIENT", "KILL_SINK_INPUT", "KILL_SOURCE_OUTPUT"],
    "a VM kills nothing",
  ],
  [["SET_DEFAULT_SINK", "SET_DEFAULT_SOURCE"], "defaults are the host's"],
  [
    ["ENABLE_SRBCHANNEL", "DISABLE_SRBCHANNEL", "REGISTER_MEMFD_SHMID"],
    "shared memory is off",
  ],
];

const NEVER_REASON = new Map<number, string>(
  NEVER.flatMap(([names, reason]) =>
    names.map((name): [number, string] => [COMMAND[name], reason])
  ),
);

/**
 * Whether the client may send `command` under `mode`, given what its
 * connection owns.
 *
 * @example
 * ```ts
 * import { COMMAND } from "./commands.ts";
 * import { decide } from "./policy.ts";
 * const owned = { sinkInputs: new Set([4]), sourceOutputs: new Set<number>() };
 * decide({ command: COMMAND.LOAD_MODULE, tag: 3 }, "duplex", owned);
 * // { allow: false, reason: "modules are the host's" }
 * decide({ command: COMMAND.SET_SINK_INPUT_VOLUME, tag: 4, target: 4 }, "playback", owned);
 * // { allow: true }
 * ```
 */
export function decide(
  command: ClientCommand,
  mode: AudioMode,
  owned: Ownership,
): Decision {
  const rule = ALLOWED.get(command.command);
  if (!rule) {
    return {
      allow: false,
      reason: NEVER_REASON.get(command.command) ??
        `${commandName(command.command)} is not needed to play or record`,
    };
  }
  if (rule.mode === "duplex" && mode !== "duplex") {
    return { allow: false, reason: "recording needs `audio: duplex`" };
  }
  if (
    command.version !== undefined && command.version < MIN_PROTOCOL_VERSION
  ) {
    return {
      allow: false,
      reason: `protocol version ${command.version} is older than ` +
        `${MIN_PROTOCOL_VERSION}`,
    };
  }
  if (rule.owns && !owns(owned, rule.owns, command.target)) {
    return {
      allow: false,
      reason: `${rule.owns} ${command.target ?? "(none)"} is not this ` +
        "connection's",
    };
  }
  const direct = command.directOnInput;
  if (
    direct !== undefined && direct !== INVALID_INDEX &&
    !owned.sinkInputs.has(direct)
  ) {
    return {
      allow: false,
      reason: `sink input ${direct} is not this connection's`,
    };
  }
  return { allow: true };
}

/**
 * Whether the client may hear of a subscription event (`type` holds the
 * facility, `index` the object): sinks and the server always, sources in
 * duplex mode, its own streams and client, nothing of other clients.
 */
export function eventVisible(
  type: number,
  index: number,
  mode: AudioMode,
  owned: Ownership,
): boolean {
  switch (type & FACILITY_MASK) {
    case FACILITY.SINK:
    case FACILITY.SERVER:
      return true;
    case FACILITY.SOURCE:
      return mode === "duplex";
    case FACILITY.SINK_INPUT:
      return owned.sinkInputs.has(index);
    case FACILITY.SOURCE_OUTPUT:
      return owned.sourceOutputs.has(index);
    case FACILITY.CLIENT:
      return owned.client === index;
    default:
      return false;
  }
}

function owns(
  owned: Ownership,
  kind: OwnedKind,
  index: number | undefined,
): boolean {
  if (index === undefined) return false;
  switch (kind) {
    case "sink input":
      return owned.sinkInputs.has(index);
    case "source output":
      return owned.sourceOutputs.has(index);
    case "client":
      return owned.client === index;
  }
}
