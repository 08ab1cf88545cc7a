/**
 * A filter that forwards every byte and fd unchanged: the guard loop's own
 * tests run real clients through it (`passThrough: true` in the guard's
 * config), so the loop is checked apart from any protocol logic. Never
 * used for a VM.
 *
 * @module
 */

import {
  emptyOutput,
  type FilterOutput,
  type MessageFilter,
} from "./message_filter.ts";

function output(fields: Partial<FilterOutput>): FilterOutput {
  return { ...emptyOutput(), ...fields };
}

/**
 * A {@linkcode MessageFilter} that sends nothing of its own and passes
 * both directions through as they come.
 *
 * @example
 * ```ts
 * const filter = passThroughFilter();
 * const out = filter.fromClient(new Uint8Array([1, 0, 0, 0]), []);
 * // out.toServer holds the same bytes
 * ```
 */
export function passThroughFilter(): MessageFilter {
  return {
    start: () => output({}),
    fromClient: (bytes, fds) => output({ toServer: [bytes], toServerFds: fds }),
    fromServer: (bytes, fds) => output({ toClient: [bytes], toClientFds: fds }),
  };
}
