/**
 * Control packets as the guard reads and writes them: the policy's view
 * of a client's command, the rewrite that turns shared memory off in the
 * AUTH exchange, and the access error a refusal answers with.
 *
 * @module
 */
import {
  AUTH_MEMFD,
  AUTH_SHM,
  AUTH_VERSION_MASK,
  COMMAND,
  ERR_ACCESS,
} from "./commands.ts";
import { encodeFrame } from "./frame.ts";
import type { ClientCommand } from "./policy.ts";
import { AudioProtocolError } from "./protocol_error.ts";
import { TagReader, TagWriter } from "./tagstruct.ts";

/**
 * Reads a client's command packet for the policy, checking the whole
 * tagstruct, so that what is forwarded is what was judged.
 *
 * @example
 * ```ts
 * import { readClientCommand } from "./packet.ts";
 * import { TagWriter } from "./tagstruct.ts";
 * readClientCommand(new TagWriter().u32(29).u32(5).u32(12).bytes());
 * // { command: 29, tag: 5, target: 12 }
 * ```
 */
export function readClientCommand(payload: Uint8Array): ClientCommand {
  const reader = new TagReader(payload);
  const result: ClientCommand = { command: reader.u32(), tag: reader.u32() };
  if (result.command === COMMAND.AUTH) {
    result.version = reader.u32() & AUTH_VERSION_MASK;
  } else if (result.command === COMMAND.CREATE_RECORD_STREAM) {
    result.directOnInput = directOnInput(reader);
  } else if (!reader.done) {
    const value = reader.next();
    if (value.type === "u32") result.target = value.value;
  }
  while (!reader.done) reader.next();
  return result;
}

/**
 * CREATE_RECORD_STREAM's `direct_on_input`: the u32 right after its
 * property list (protocol 13 on). No value before it can be a property
 * list, so the first one is the server's too.
 */
function directOnInput(reader: TagReader): number | undefined {
  while (!reader.done) {
    if (reader.next().type !== "proplist") continue;
    if (reader.done) return undefined;
    const value = reader.next();
    if (value.type !== "u32") {
      throw new AudioProtocolError(
        `CREATE_RECORD_STREAM has a ${value.type} where its direct_on_input is`,
      );
    }
    return value.value;
  }
  return undefined;
}

/**
 * Clears the shared-memory bits of the version word, the third value of
 * both AUTH and its reply, in place. Without them neither side offers
 * shared memory: audio then travels in the frames the guard reads.
 */
export function clearSharedMemoryFlags(payload: Uint8Array): void {
  const reader = new TagReader(payload);
  reader.u32();
  reader.u32();
  const word = reader.next();
  if (word.type !== "u32") {
    throw new AudioProtocolError(`AUTH carries a ${word.type}, not a version`);
  }
  const view = new DataView(payload.buffer, payload.byteOffset);
  view.setUint32(
    word.offset + 1,
    (word.value & ~(AUTH_SHM | AUTH_MEMFD)) >>> 0,
  );
}

/** The frame that answers the command with `tag`: access denied. */
export function accessError(tag: number): Uint8Array {
  return encodeFrame(
    {},
    new TagWriter().u32(COMMAND.ERROR).u32(tag).u32(ERR_ACCESS).bytes(),
  );
}
