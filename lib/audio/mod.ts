/**
 * The audio guard: a per-VM firewall on the pulse native protocol between
 * the VM's audio service and the user's sound server (pulseaudio or
 * pipewire-pulse). It reads the framing of every frame and the command of
 * every control packet, lets through what the recipe's `audio` mode needs
 * (see `policy.ts`), answers the rest with pulse's access error, hides
 * other clients' objects from subscription events, and turns shared
 * memory off so that all audio passes where it can be read.
 *
 * ```text
 * guest app ─vsock─▶ relay ─▶ guard.path ─[AudioSession]─▶ $XDG_RUNTIME_DIR/pulse/native
 * ```
 *
 * @example
 * ```ts
 * import { startAudioGuard } from "./mod.ts";
 * await using guard = await startAudioGuard({
 *   listenPath: "/run/user/1000/qubesify/vm-1/pulse.sock",
 *   serverPath: "/run/user/1000/pulse/native",
 *   mode: "playback",
 *   vm: "vm-1",
 *   onLog: console.log,
 * });
 * ```
 *
 * @module
 */
export {
  type AudioGuard,
  AudioGuardError,
  type AudioGuardOptions,
  MAX_CONNECTIONS,
  startAudioGuard,
} from "./audio_guard.ts";
export { CLIENT_MAX_FRAME } from "./guarded_connection.ts";
export {
  COMMAND,
  type CommandName,
  commandName,
  ERR_ACCESS,
} from "./commands.ts";
export {
  CONTROL_CHANNEL,
  DESCRIPTOR_SIZE,
  encodeFrame,
  type Frame,
  type FrameHeader,
  FrameSplitter,
  MAX_FRAME_SIZE,
  readDescriptor,
} from "./frame.ts";
export { accessError, readClientCommand } from "./packet.ts";
export {
  type AudioMode,
  type ClientCommand,
  decide,
  type Decision,
  eventVisible,
  MIN_PROTOCOL_VERSION,
  type Ownership,
} from "./policy.ts";
export { AudioProtocolError } from "./protocol_error.ts";
export {
  AudioSession,
  DEFAULT_SESSION_LIMITS,
  type SessionLimits,
  type SessionOutput,
} from "./session.ts";
export { TagReader, type TagValue, TagWriter } from "./tagstruct.ts";
