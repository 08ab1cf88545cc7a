/**
 * Which filter a guarded connection gets: the one place that names the
 * protocol logic the guard's Worker runs for a VM.
 *
 * @module
 */
import { type Libc, MAP_PRIVATE, openLibc, PROT_READ } from "../ffi/mod.ts";
import { GuardSession } from "./guard_session.ts";
import type { GuardConfig, MessageFilter } from "./message_filter.ts";
import { createSolidBuffer } from "./shm_buffer.ts";

/** libc for frames and keymaps, opened once per Worker and kept for its life. */
let libc: Libc | undefined;

/**
 * Builds the filter of one connection from the guard's config: the
 * session that checks, labels, frames and gates it.
 */
export function createFilter(config: GuardConfig): MessageFilter {
  const c = libc ??= openLibc();
  return new GuardSession(config, {
    paint: (width, height) =>
      createSolidBuffer({ width, height, colour: config.colour, libc: c }),
    readKeymap: (fd, size) => readKeymap(c, fd, size),
  });
}

/**
 * A keymap's text through a private mapping (the client maps the same fd:
 * reading it leaves its offset alone); undefined when it cannot be read.
 */
function readKeymap(c: Libc, fd: number, size: number): string | undefined {
  if (size === 0) return undefined;
  try {
    const address = c.mmap(size, PROT_READ, MAP_PRIVATE, fd, 0);
    try {
      const bytes = new Uint8Array(size);
      c.readMemory(address, 0, bytes);
      const end = bytes.indexOf(0);
      return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
    } finally {
      c.munmap(address, size);
    }
  } catch {
    return undefined;
  }
}
