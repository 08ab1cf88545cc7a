/**
 * Messages between a vsock back-end (main thread, backend.ts) and its loop
 * (a Worker, backend_loop.ts).
 *
 * Main → worker: one {@linkcode LoopInit} through postMessage before the
 * loop starts; after that only the stop eventfd, which the loop watches in
 * epoll. The loop sleeps in a blocking epoll_wait and never returns to the
 * Worker's event loop while running, so postMessage could not reach it;
 * an eventfd also wakes it up.
 *
 * Worker → main: {@linkcode LoopMessage}s through postMessage (the main
 * thread's event loop is free to receive them).
 *
 * @module
 */

import type { SuppressedEvent } from "./event_limiter.ts";
import type { MuxEvent } from "./vsock_mux.ts";

/** The first message to the worker. */
export interface LoopInit {
  /** Path to listen on for QEMU's vhost-user connection. */
  readonly socketPath: string;
  /** The guest's CID. */
  readonly guestCid: number;
  /** Service port → UNIX socket path, as pairs. */
  readonly services: readonly (readonly [number, string])[];
  /** Path to listen on for host → guest connection requests, if any. */
  readonly connectPath?: string;
  /** An eventfd the main thread signals to stop the loop. */
  readonly stopFd: number;
}

/**
 * A line for the log; past a rate, events are counted instead and sent as
 * one `suppressed` event (see event_limiter.ts).
 */
export type BackendEvent =
  | MuxEvent
  | SuppressedEvent
  | { kind: "qemu-connected" }
  | { kind: "device-error"; reason: string };

/** What the loop reports. */
export type LoopMessage =
  | {
    /** The loop listens on its sockets: QEMU may start. */
    readonly type: "ready";
  }
  | {
    /** Something for the log. */
    readonly type: "event";
    readonly event: BackendEvent;
  }
  | {
    /**
     * The loop ended (stop eventfd signalled, QEMU gone, or a fatal
     * `error`); every fd it owned is closed.
     */
    readonly type: "ended";
    readonly reason: string;
    readonly error?: string;
  };
