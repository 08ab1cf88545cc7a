/**
 * The display guard: a per-VM Wayland firewall between a VM's host-side
 * waypipe client and the compositor.
 *
 * @module
 */
export {
  type ArgSpec,
  type ArgType,
  type InterfaceSpec,
  knownInterfaces,
  type MessageSpec,
  opcodeOf,
  protocolInterface,
} from "./protocol.ts";
export {
  type ArgValue,
  decodeArgs,
  encodeMessage,
  HEADER_SIZE,
  MAX_FDS_PER_MESSAGE,
  MAX_MESSAGE_SIZE,
  type MessageHeader,
  readHeader,
  type UntypedNewId,
  WireError,
} from "./wire.ts";
export { argb8888, colourHex, parseColour, type Rgb } from "./colour.ts";
export {
  type AllowedGlobal,
  DEFAULT_ALLOWED_GLOBALS,
  defaultAllowedGlobals,
  effectiveAllowedGlobals,
} from "./default_globals.ts";
export {
  createShmFile,
  createSolidBuffer,
  MAX_SHM_SIZE,
  type ShmFile,
  type ShmFileOptions,
  type SolidBuffer,
  type SolidBufferOptions,
  WL_SHM_FORMAT_ARGB8888,
} from "./shm_buffer.ts";
export {
  type DisplayGuard,
  DisplayGuardError,
  type DisplayGuardOptions,
  startDisplayGuard,
} from "./display_guard.ts";
export type {
  DisplayGuardConfig,
  GuardConnectionEnd,
} from "./guard_protocol.ts";
export type {
  FilterFactory,
  FilterOutput,
  GuardConfig,
  MessageFilter,
} from "./message_filter.ts";
export {
  openSandboxedListener,
  SANDBOX_ENGINE,
  type SandboxedListener,
  type SandboxedListenerOptions,
  SecurityContextError,
} from "./security_context.ts";
