/**
 * Messages between a relay engine (main thread) and its loop (a Worker).
 *
 * Main → worker: one `init` through postMessage before the loop starts,
 * then {@linkcode ControlCommand}s as JSON lines through a pipe the loop
 * watches in epoll. The loop sleeps in a blocking epoll_wait and never
 * returns to the Worker's event loop while running, so postMessage could
 * not reach it; a pipe also wakes it up.
 *
 * Worker → main: {@linkcode LoopEvent}s through postMessage (the main
 * thread's event loop is free to receive them).
 *
 * @module
 */

import type { SocketAddress } from "../ffi/mod.ts";

/** A listening socket handed to the loop, which owns it from then on. */
export interface LoopListener {
  /** The listening fd (non-blocking). */
  readonly fd: number;
  /** Bytes to read from each connection before reporting it (0: none). */
  readonly prefixLength: number;
}

/** The first message to the worker. */
export interface LoopInit {
  /** Always `"init"`. */
  readonly type: "init";
  /** Read end of the control pipe (non-blocking). */
  readonly controlFd: number;
  /** Listening sockets, by index. */
  readonly listeners: readonly LoopListener[];
  /** Capacity asked for each direction's pipe. */
  readonly pipeSize: number;
  /** How long a connection may take to send its prefix. */
  readonly prefixTimeoutMs: number;
}

/** Commands the loop reads from the control pipe. */
export type ControlCommand =
  | {
    /** Connect connection `conn` to `to`, write `send` first, then relay. */
    readonly op: "route";
    readonly conn: number;
    readonly to: SocketAddress;
    /** Bytes for the upstream before the client's (e.g. a forward header). */
    readonly send?: readonly number[];
  }
  | {
    /** Close connection `conn` unrelayed. */
    readonly op: "deny";
    readonly conn: number;
    readonly reason: string;
  }
  | {
    /** Close everything and end the loop. */
    readonly op: "stop";
  };

/** What the loop reports. */
export type LoopEvent =
  | {
    /** The loop watches its listeners and the control pipe. */
    readonly type: "ready";
  }
  | {
    /** A connection arrived (and sent its prefix): route or deny it. */
    readonly type: "accepted";
    readonly conn: number;
    readonly listener: number;
    readonly peer: SocketAddress;
    /** The local address it connected to. */
    readonly local: SocketAddress;
    readonly prefix?: Uint8Array;
  }
  | {
    /** A connection is gone; `error` says why when it did not end cleanly. */
    readonly type: "closed";
    readonly conn: number;
    /** Bytes relayed client → upstream. */
    readonly bytesUp: number;
    /** Bytes relayed upstream → client. */
    readonly bytesDown: number;
    readonly error?: string;
  }
  | {
    /** A problem not tied to one connection (e.g. accept ran out of fds). */
    readonly type: "warning";
    readonly message: string;
  }
  | {
    /** The loop ended; every fd it owned is closed. */
    readonly type: "stopped";
    readonly error?: string;
  };
