/**
 * The pulse native protocol's numbers: its commands (pulse's
 * `PA_COMMAND_*`, in the order of its native-common.h up to protocol
 * version 35), the error a refusal answers with, and the subscription
 * event facilities.
 *
 * @module
 */

/** Every command, by name; the value is its number on the wire. */
export const COMMAND = {
  ERROR: 0,
  TIMEOUT: 1,
  REPLY: 2,
  CREATE_PLAYBACK_STREAM: 3,
  DELETE_PLAYBACK_STREAM: 4,
  CREATE_RECORD_STREAM: 5,
  DELETE_RECORD_STREAM: 6,
  EXIT: 7,
  AUTH: 8,
  SET_CLIENT_NAME: 9,
  LOOKUP_SINK: 10,
  LOOKUP_SOURCE: 11,
  DRAIN_PLAYBACK_STREAM: 12,
  STAT: 13,
  GET_PLAYBACK_LATENCY: 14,
  CREATE_UPLOAD_STREAM: 15,
  DELETE_UPLOAD_STREAM: 16,
  FINISH_UPLOAD_STREAM: 17,
  PLAY_SAMPLE: 18,
  REMOVE_SAMPLE: 19,
  GET_SERVER_INFO: 20,
  GET_SINK_INFO: 21,
  GET_SINK_INFO_LIST: 22,
  GET_SOURCE_INFO: 23,
  GET_SOURCE_INFO_LIST: 24,
  GET_MODULE_INFO: 25,
  GET_MODULE_INFO_LIST: 26,
  GET_CLIENT_INFO: 27,
  GET_CLIENT_INFO_LIST: 28,
  GET_SINK_INPUT_INFO: 29,
  GET_SINK_INPUT_INFO_LIST: 30,
  GET_SOURCE_OUTPUT_INFO: 31,
  GET_SOURCE_OUTPUT_INFO_LIST: 32,
  GET_SAMPLE_INFO: 33,
  GET_SAMPLE_INFO_LIST: 34,
  SUBSCRIBE: 35,
  SET_SINK_VOLUME: 36,
  SET_SINK_INPUT_VOLUME: 37,
  SET_SOURCE_VOLUME: 38,
  SET_SINK_MUTE: 39,
  SET_SOURCE_MUTE: 40,
  CORK_PLAYBACK_STREAM: 41,
  FLUSH_PLAYBACK_STREAM: 42,
  TRIGGER_PLAYBACK_STREAM: 43,
  SET_DEFAULT_SINK: 44,
  SET_DEFAULT_SOURCE: 45,
  SET_PLAYBACK_STREAM_NAME: 46,
  SET_RECORD_STREAM_NAME: 47,
  KILL_CLIENT: 48,
  KILL_SINK_INPUT: 49,
  KILL_SOURCE_OUTPUT: 50,
  LOAD_MODULE: 51,
  UNLOAD_MODULE: 52,
  ADD_AUTOLOAD_OBSOLETE: 53,
  REMOVE_AUTOLOAD_OBSOLETE: 54,
  GET_AUTOLOAD_INFO_OBSOLETE: 55,
  GET_AUTOLOAD_INFO_LIST_OBSOLETE: 56,
  GET_RECORD_LATENCY: 57,
  CORK_RECORD_STREAM: 58,
  FLUSH_RECORD_STREAM: 59,
  PREBUF_PLAYBACK_STREAM: 60,
  REQUEST: 61,
  OVERFLOW: 62,
  UNDERFLOW: 63,
  PLAYBACK_STREAM_KILLED: 64,
  RECORD_STREAM_KILLED: 65,
  SUBSCRIBE_EVENT: 66,
  MOVE_SINK_INPUT: 67,
  MOVE_SOURCE_OUTPUT: 68,
  SET_SINK_INPUT_MUTE: 69,
  SUSPEND_SINK: 70,
  SUSPEND_SOURCE: 71,
  SET_PLAYBACK_STREAM_BUFFER_ATTR: 72,
  SET_RECORD_STREAM_BUFFER_ATTR: 73,
  UPDATE_PLAYBACK_STREAM_SAMPLE_RATE: 74,
  UPDATE_RECORD_STREAM_SAMPLE_RATE: 75,
  PLAYBACK_STREAM_SUSPENDED: 76,
  RECORD_STREAM_SUSPENDED: 77,
  PLAYBACK_STREAM_MOVED: 78,
  RECORD_STREAM_MOVED: 79,
  UPDATE_RECORD_STREAM_PROPLIST: 80,
  UPDATE_PLAYBACK_STREAM_PROPLIST: 81,
  UPDATE_CLIENT_PROPLIST: 82,
  REMOVE_RECORD_STREAM_PROPLIST: 83,
  REMOVE_PLAYBACK_STREAM_PROPLIST: 84,
  REMOVE_CLIENT_PROPLIST: 85,
  STARTED: 86,
  EXTENSION: 87,
  GET_CARD_INFO: 88,
  GET_CARD_INFO_LIST: 89,
  SET_CARD_PROFILE: 90,
  CLIENT_EVENT: 91,
  PLAYBACK_STREAM_EVENT: 92,
  RECORD_STREAM_EVENT: 93,
  PLAYBACK_BUFFER_ATTR_CHANGED: 94,
  RECORD_BUFFER_ATTR_CHANGED: 95,
  SET_SINK_PORT: 96,
  SET_SOURCE_PORT: 97,
  SET_SOURCE_OUTPUT_VOLUME: 98,
  SET_SOURCE_OUTPUT_MUTE: 99,
  SET_PORT_LATENCY_OFFSET: 100,
  ENABLE_SRBCHANNEL: 101,
  DISABLE_SRBCHANNEL: 102,
  REGISTER_MEMFD_SHMID: 103,
  SEND_OBJECT_MESSAGE: 104,
} as const;

/** A command's name. */
export type CommandName = keyof typeof COMMAND;

const NAMES: readonly string[] = Object.keys(COMMAND);

/**
 * A command's name for a log line, or `#n` for a number pulse does not
 * define.
 *
 * @example
 * ```ts
 * import { COMMAND, commandName } from "./commands.ts";
 * commandName(COMMAND.LOAD_MODULE); // "LOAD_MODULE"
 * commandName(4000); // "#4000"
 * ```
 */
export function commandName(command: number): string {
  return NAMES[command] ?? `#${command}`;
}

/** The error pulse answers when a client may not do something (PA_ERR_ACCESS). */
export const ERR_ACCESS = 1;

/** AUTH's version word: the client (or server) can use POSIX shared memory. */
export const AUTH_SHM = 0x8000_0000;

/** AUTH's version word: the client (or server) can use memfd shared memory. */
export const AUTH_MEMFD = 0x4000_0000;

/** AUTH's version word: the protocol version proper. */
export const AUTH_VERSION_MASK = 0x0000_ffff;

/** No object (PA_INVALID_INDEX). */
export const INVALID_INDEX = 0xffff_ffff;

/** A subscription event's facility: the kind of object it is about. */
export const FACILITY = {
  SINK: 0,
  SOURCE: 1,
  SINK_INPUT: 2,
  SOURCE_OUTPUT: 3,
  MODULE: 4,
  CLIENT: 5,
  SAMPLE_CACHE: 6,
  SERVER: 7,
  AUTOLOAD: 8,
  CARD: 9,
} as const;

/** The facility bits of a subscription event's type word. */
export const FACILITY_MASK = 0x0f;
