/**
 * Messages between a display guard (main thread, display_guard.ts) and its
 * loop (a Worker, guard_loop.ts).
 *
 * Main → worker: one {@linkcode GuardInit} through postMessage before the
 * loop starts; after that only the stop eventfd, which the loop watches in
 * epoll. The loop sleeps in a blocking epoll_wait and never returns to the
 * Worker's event loop while running, so postMessage could not reach it;
 * an eventfd also wakes it up.
 *
 * Worker → main: {@linkcode GuardMessage}s through postMessage.
 *
 * @module
 */

import type { GuardConfig } from "./message_filter.ts";

/** The guard's settings as the Worker gets them. */
export interface DisplayGuardConfig extends GuardConfig {
  /**
   * Test-only: every connection gets the pass-through filter instead of
   * the filtering session.
   */
  passThrough?: boolean;
}

/** The first message to the worker. */
export interface GuardInit {
  /** Absolute path to listen on (the VM's waypipe client connects here). */
  readonly listenPath: string;
  /** Absolute path of the compositor's socket. */
  readonly compositorPath: string;
  /** Settings each connection's filter is built from. */
  readonly config: DisplayGuardConfig;
  /** An eventfd the main thread signals to stop the loop. */
  readonly stopFd: number;
}

/** How a guarded connection went, reported when it ends. */
export interface GuardConnectionEnd {
  /** The loop's id of the connection. */
  readonly id: number;
  /** Why it ended (a side closed, a refusal, a failure). */
  readonly reason: string;
  /** Bytes read from the client. */
  readonly bytesFromClient: number;
  /** Bytes read from the compositor. */
  readonly bytesFromServer: number;
  /** fds received from the client. */
  readonly fdsFromClient: number;
  /** fds received from the compositor. */
  readonly fdsFromServer: number;
  /** The most bytes queued for either side at any time. */
  readonly mostQueued: number;
}

/** What the loop reports. */
export type GuardMessage =
  | {
    /** The loop listens: clients may connect. */
    readonly type: "ready";
  }
  | {
    /** A client connected and the compositor accepted the guard. */
    readonly type: "opened";
    readonly id: number;
  }
  | {
    /** A connection ended; every fd it held is closed. */
    readonly type: "closed";
    readonly end: GuardConnectionEnd;
  }
  | {
    /** A line for the VM's log. */
    readonly type: "log";
    readonly line: string;
  }
  | {
    /**
     * The loop ended (stopped, or a fatal `error`); every fd it owned is
     * closed and the socket file removed.
     */
    readonly type: "ended";
    readonly error?: string;
  };
