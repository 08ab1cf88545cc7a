/**
 * The skeleton every epoll loop of qubesify shares (the relay, the vsock
 * back-end, the display guard): set up, then wait, dispatch each ready fd,
 * do the work that waits for a wake-up, until the loop is told to stop;
 * a failure ends it; whatever happens, it closes everything it holds.
 *
 * @module
 */
import { errorMessage } from "../errors/mod.ts";
import type { EpollApi, EpollEvents } from "./epoll.ts";

/** What one loop plugs into {@linkcode runEpollLoop}. */
export interface EpollLoopParts {
  /** The epoll calls, its fd and room for its events. */
  readonly epoll: EpollApi;
  readonly epfd: number;
  readonly events: EpollEvents;
  /** Registers the loop's fds; tells its owner it is ready. */
  setUp(): void;
  /** Whether the loop should stop now. */
  stopping(): boolean;
  /** How long the next wait may block (ms; -1: until an event). */
  timeout(): number;
  /** Acts on one ready fd. */
  dispatch(data: number, mask: number): void;
  /** The work after each wake-up (timers, connections with more to do). */
  afterWake(): void;
  /** Releases every fd and mapping the loop holds. */
  closeEverything(): void;
}

/**
 * Runs the loop until `stopping()` says so; resolves nothing and throws
 * nothing: answers the failure's message, or undefined for a clean stop.
 *
 * @example
 * ```ts
 * import { EpollEvents, openEpollApi, runEpollLoop } from "./mod.ts";
 * using epoll = openEpollApi();
 * let woken = 0;
 * const failure = runEpollLoop({
 *   epoll,
 *   epfd: epoll.create(),
 *   events: new EpollEvents(8),
 *   setUp() {},
 *   stopping: () => woken > 2,
 *   timeout: () => 0,
 *   dispatch() {},
 *   afterWake: () => void woken++,
 *   closeEverything() {},
 * });
 * ```
 */
export function runEpollLoop(parts: EpollLoopParts): string | undefined {
  try {
    parts.setUp();
    while (!parts.stopping()) {
      const count = parts.epoll.wait(parts.epfd, parts.events, parts.timeout());
      for (let i = 0; i < count && !parts.stopping(); i++) {
        parts.dispatch(parts.events.data(i), parts.events.events(i));
      }
      if (parts.stopping()) break;
      parts.afterWake();
    }
    return undefined;
  } catch (error) {
    return errorMessage(error);
  } finally {
    parts.closeEverything();
  }
}
