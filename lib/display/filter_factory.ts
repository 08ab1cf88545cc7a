/**
 * Which filter a guarded connection gets: the one place that names the
 * protocol logic the guard's Worker runs for a VM.
 *
 * @module
 */
import { type Libc, openLibc } from "../ffi/mod.ts";
import { GuardSession } from "./guard_session.ts";
import type { GuardConfig, MessageFilter } from "./message_filter.ts";
import { createSolidBuffer } from "./shm_buffer.ts";

/** libc for painting frames, opened once per Worker and kept for its life. */
let libc: Libc | undefined;

/**
 * Builds the filter of one connection from the guard's config: the
 * session that checks, labels, frames and gates it.
 */
export function createFilter(config: GuardConfig): MessageFilter {
  libc ??= openLibc();
  const paint = (width: number, height: number) =>
    createSolidBuffer({ width, height, colour: config.colour, libc });
  return new GuardSession(config, { paint });
}
