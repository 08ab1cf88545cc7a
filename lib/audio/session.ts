/**
 * One guarded connection's state, without I/O: each frame from either side
 * goes in, and out come the frames to pass on, the answers the guard gives
 * itself, log lines, and whether the connection must end.
 *
 * From the client (the VM): every command packet is judged by the policy;
 * a refused one is answered with an access error carrying its tag and
 * never reaches the server. AUTH loses its shared-memory bits, so the
 * server never offers shared memory: with it, libpulse would move audio,
 * and after an srbchannel even command packets, through memory the guard
 * cannot see, and a VM cannot share memory with the host anyway (its
 * bytes arrive over vsock, which carries no file descriptors). Audio
 * frames pass to the server, which accepts them only for this connection's
 * own streams.
 *
 * From the server: replies to the commands that create something tell the
 * guard what this connection owns (its client index, its streams' sink
 * inputs and source outputs); subscription events about anything else are
 * dropped. A shared-memory frame or an offer of shared memory from either
 * side ends the connection.
 *
 * @module
 */
import { COMMAND, commandName } from "./commands.ts";
import { CONTROL_CHANNEL, type Frame, isSharedMemoryFrame } from "./frame.ts";
import {
  accessError,
  clearSharedMemoryFlags,
  readClientCommand,
} from "./packet.ts";
import {
  type AudioMode,
  decide,
  type Decision,
  eventVisible,
  type Ownership,
} from "./policy.ts";
import { TagReader } from "./tagstruct.ts";

/** What one frame produced. */
export interface SessionOutput {
  /** Frames for the server, in order. */
  toServer: Uint8Array[];
  /** Frames for the client, in order. */
  toClient: Uint8Array[];
  /** Lines for the log: refusals. */
  log: string[];
  /** Set when the connection must end, saying why. */
  close?: string;
}

/** The guard's limits on one connection. */
export interface SessionLimits {
  /** Creating commands awaiting their reply. */
  pending: number;
  /** Streams, created or being created. */
  streams: number;
  /** Refusals logged; later ones are only counted. */
  loggedRefusals: number;
}

/** Limits generous for any real client. */
export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  pending: 64,
  streams: 64,
  loggedRefusals: 32,
};

type Pending = "auth" | "client" | "playback" | "record";

/**
 * A connection's guard state.
 *
 * @example
 * ```ts
 * import { AudioSession } from "./session.ts";
 * import { encodeFrame, FrameSplitter } from "./frame.ts";
 * import { TagWriter } from "./tagstruct.ts";
 * const session = new AudioSession("playback");
 * const packet = encodeFrame({}, new TagWriter().u32(51).u32(7).bytes());
 * const [frame] = new FrameSplitter().push(packet);
 * session.fromClient(frame).toClient; // [access error for tag 7]
 * ```
 */
export class AudioSession implements Ownership {
  /** The client index the server gave this connection. */
  client?: number;
  /** Sink inputs of this connection's playback streams. */
  readonly sinkInputs = new Set<number>();
  /** Source outputs of this connection's record streams. */
  readonly sourceOutputs = new Set<number>();
  /** Refusals past the logged ones. */
  unloggedRefusals = 0;
  readonly #mode: AudioMode;
  readonly #limits: SessionLimits;
  readonly #pending = new Map<number, Pending>();
  readonly #playback = new Map<number, number>();
  readonly #record = new Map<number, number>();
  #refusals = 0;

  /** A fresh connection under `mode`. */
  constructor(mode: AudioMode, limits: Partial<SessionLimits> = {}) {
    this.#mode = mode;
    this.#limits = { ...DEFAULT_SESSION_LIMITS, ...limits };
  }

  /** Judges a frame from the client. */
  fromClient(frame: Frame): SessionOutput {
    const output: SessionOutput = { toServer: [], toClient: [], log: [] };
    if (isSharedMemoryFrame(frame.header)) {
      output.close = "the client sent a shared-memory frame, but it is off";
      return output;
    }
    if (frame.header.channel !== CONTROL_CHANNEL) {
      output.toServer.push(frame.bytes);
      return output;
    }
    const command = readClientCommand(frame.payload);
    let decision = decide(command, this.#mode, this);
    if (decision.allow) {
      decision = this.#withinLimits(command.command, command.tag);
    }
    if (!decision.allow) {
      output.toClient.push(accessError(command.tag));
      if (this.#refusals++ < this.#limits.loggedRefusals) {
        output.log.push(
          `refused ${commandName(command.command)} (tag ${command.tag}): ` +
            decision.reason,
        );
      } else {
        this.unloggedRefusals++;
      }
      return output;
    }
    switch (command.command) {
      case COMMAND.AUTH:
        clearSharedMemoryFlags(frame.payload);
        this.#pending.set(command.tag, "auth");
        break;
      case COMMAND.SET_CLIENT_NAME:
        this.#pending.set(command.tag, "client");
        break;
      case COMMAND.CREATE_PLAYBACK_STREAM:
        this.#pending.set(command.tag, "playback");
        break;
      case COMMAND.CREATE_RECORD_STREAM:
        this.#pending.set(command.tag, "record");
        break;
      case COMMAND.DELETE_PLAYBACK_STREAM:
        this.#forget(this.#playback, this.sinkInputs, command.target);
        break;
      case COMMAND.DELETE_RECORD_STREAM:
        this.#forget(this.#record, this.sourceOutputs, command.target);
        break;
    }
    output.toServer.push(frame.bytes);
    return output;
  }

  /** Reads a frame from the server, and drops what the client may not see. */
  fromServer(frame: Frame): SessionOutput {
    const output: SessionOutput = { toServer: [], toClient: [], log: [] };
    if (isSharedMemoryFrame(frame.header)) {
      output.close = "the server sent a shared-memory frame, but it is off";
      return output;
    }
    if (frame.header.channel !== CONTROL_CHANNEL) {
      output.toClient.push(frame.bytes);
      return output;
    }
    const reader = new TagReader(frame.payload);
    const command = reader.u32();
    const tag = reader.u32();
    switch (command) {
      case COMMAND.REPLY:
      case COMMAND.ERROR: {
        const pending = this.#pending.get(tag);
        this.#pending.delete(tag);
        if (pending && command === COMMAND.REPLY) {
          this.#learn(pending, reader, frame.payload);
        }
        break;
      }
      case COMMAND.SUBSCRIBE_EVENT: {
        const type = reader.u32();
        if (!eventVisible(type, reader.u32(), this.#mode, this)) return output;
        break;
      }
      case COMMAND.PLAYBACK_STREAM_KILLED:
        this.#forget(this.#playback, this.sinkInputs, reader.u32());
        break;
      case COMMAND.RECORD_STREAM_KILLED:
        this.#forget(this.#record, this.sourceOutputs, reader.u32());
        break;
      case COMMAND.ENABLE_SRBCHANNEL:
      case COMMAND.REGISTER_MEMFD_SHMID:
        output.close = `the server offered shared memory (${
          commandName(command)
        }), but it is off`;
        return output;
    }
    output.toClient.push(frame.bytes);
    return output;
  }

  /** Refuses what would grow the guard's state past its limits. */
  #withinLimits(
    command: number,
    tag: number,
  ): Decision {
    if (this.#pending.has(tag)) {
      return {
        allow: false,
        reason: `tag ${tag} is still awaiting its reply`,
      };
    }
    const creates = command === COMMAND.CREATE_PLAYBACK_STREAM ||
      command === COMMAND.CREATE_RECORD_STREAM;
    if (
      creates &&
      this.#playback.size + this.#record.size + this.#pending.size >=
        this.#limits.streams
    ) {
      return {
        allow: false,
        reason: `more than ${this.#limits.streams} streams`,
      };
    }
    const tracked = creates || command === COMMAND.AUTH ||
      command === COMMAND.SET_CLIENT_NAME;
    if (tracked && this.#pending.size >= this.#limits.pending) {
      return {
        allow: false,
        reason: `more than ${this.#limits.pending} requests awaiting replies`,
      };
    }
    return { allow: true };
  }

  /** Takes what the reply to a creating command says this connection owns. */
  #learn(pending: Pending, reader: TagReader, payload: Uint8Array): void {
    if (reader.done) return;
    switch (pending) {
      case "auth":
        clearSharedMemoryFlags(payload);
        break;
      case "client":
        this.client = reader.u32();
        break;
      case "playback":
      case "record": {
        const channel = reader.u32();
        const index = reader.u32();
        const [channels, owned] = pending === "playback"
          ? [this.#playback, this.sinkInputs]
          : [this.#record, this.sourceOutputs];
        this.#forget(channels, owned, channel);
        channels.set(channel, index);
        owned.add(index);
        break;
      }
    }
  }

  /** Forgets the stream on `channel`, and its object. */
  #forget(
    channels: Map<number, number>,
    owned: Set<number>,
    channel: number | undefined,
  ): void {
    if (channel === undefined) return;
    const index = channels.get(channel);
    if (index === undefined) return;
    channels.delete(channel);
    owned.delete(index);
  }
}
