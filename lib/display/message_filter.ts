/**
 * The seam between the guard's I/O loop (guard_loop.ts) and the protocol
 * logic of one guarded connection. The loop moves bytes and file
 * descriptors and knows nothing of Wayland; a {@linkcode MessageFilter}
 * sees every byte and fd that arrives from either side and says what to
 * send on, what to drop and when to give up.
 *
 * Ownership of fds: every fd handed to the filter is the filter's until it
 * returns it, in `toServerFds` or `toClientFds` (the loop closes it once
 * sent) or in `closeFds` (the loop closes it now). An fd the filter opens
 * itself (an shm pool of its own) is given to the loop the same way. Each
 * fd appears at most once across the three lists. When the connection
 * ends, the loop closes every fd it handed to the filter and never got
 * back.
 *
 * @module
 */

/** What to send after one chunk: bytes with the fds that go with them, per side. */
export interface FilterOutput {
  /** Bytes for the compositor, in order. */
  toServer: Uint8Array[];
  /** fds for the compositor; they travel with the first byte of `toServer`. */
  toServerFds: number[];
  /** Bytes for the client (waypipe), in order. */
  toClient: Uint8Array[];
  /** fds for the client; they travel with the first byte of `toClient`. */
  toClientFds: number[];
  /** fds the filter is done with (dropped messages): the loop closes them. */
  closeFds: number[];
  /** Set: end this connection (both sides), logging this reason. */
  close?: string;
  /** Log lines for the VM's log (refusals), each one line. */
  log: string[];
}

/** One guarded connection's protocol logic; it keeps partial messages between calls. */
export interface MessageFilter {
  /** The first bytes the guard itself sends the compositor, before any client byte. */
  start(): FilterOutput;
  /** Bytes (any split) and fds that arrived from the client (waypipe). */
  fromClient(bytes: Uint8Array, fds: number[]): FilterOutput;
  /** Bytes and fds that arrived from the compositor. */
  fromServer(bytes: Uint8Array, fds: number[]): FilterOutput;
}

/** Builds a connection's filter inside the Worker from the guard's JSON config. */
export type FilterFactory = (config: GuardConfig) => MessageFilter;

/** Serializable guard settings (posted to the Worker). */
export interface GuardConfig {
  /** The VM's name. */
  vm: string;
  /** The app's name (the window's app id becomes `qubesify-<app>`). */
  app: string;
  /** The label that prefixes window titles. */
  label: string;
  /** The frame's colour, `"#rrggbb"`. */
  colour: string;
  /** The effective allow-list of globals (interface names). */
  globals: { allow: string[] };
  /** How the clipboard crosses between host and VM. */
  clipboard: "explicit" | "shared" | "none";
}

/** An output that sends, closes and logs nothing. */
export function emptyOutput(): FilterOutput {
  return {
    toServer: [],
    toServerFds: [],
    toClient: [],
    toClientFds: [],
    closeFds: [],
    log: [],
  };
}
