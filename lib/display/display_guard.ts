/**
 * A display guard's main-thread side: starts the loop in a Worker (see
 * guard_loop.ts), hears its log lines and connection ends, and stops it.
 * The loop listens on the guard's socket itself, so a bad path or a path
 * in use fails {@linkcode startDisplayGuard}; bytes and fds never pass
 * through this thread.
 *
 * @module
 */

import { dirname, join, resolve } from "node:path";
import { errorMessage, QubesifyError } from "../errors/mod.ts";
import {
  openSandboxedListener,
  SANDBOX_ENGINE,
  type SandboxedListener,
} from "./security_context.ts";
import { qubesifyAppId } from "./window_label.ts";
import { openEventFdApi, openFdApi } from "../ffi/mod.ts";
import type {
  DisplayGuardConfig,
  GuardConnectionEnd,
  GuardInit,
  GuardMessage,
} from "./guard_protocol.ts";

/** The guard failed to start, or its Worker crashed. */
export class DisplayGuardError extends QubesifyError {}

/** What {@linkcode startDisplayGuard} needs. */
export interface DisplayGuardOptions {
  /** Where to listen; the VM's waypipe client gets it as WAYLAND_DISPLAY. */
  listenPath: string;
  /** The compositor's socket (its XDG_RUNTIME_DIR and WAYLAND_DISPLAY). */
  compositorPath: string;
  /** Settings each connection's filter is built from. */
  config: DisplayGuardConfig;
  /** Lines for the VM's log: refusals, connection ends, failures. */
  onLog?: (line: string) => void;
  /** Called when a connection is gone, with what went through it. */
  onConnectionEnd?: (end: GuardConnectionEnd) => void;
}

/** A running guard; close it (or `await using` it) to stop it. */
export interface DisplayGuard extends AsyncDisposable {
  /** The absolute path of the guard's socket. */
  readonly path: string;
  /** Connections open now. */
  openConnections(): number;
  /** Resolves when the loop has stopped and released everything. */
  readonly stopped: Promise<void>;
  /**
   * Closes every connection, stops the loop and removes the socket file;
   * safe to call more than once.
   */
  close(): Promise<void>;
}

/**
 * Starts a guard and waits until it listens on `listenPath` (mode 0600);
 * start the waypipe client after this returns.
 *
 * @example
 * ```ts
 * await using guard = await startDisplayGuard({
 *   listenPath: `${vmRuntimeDir}/wayland.sock`,
 *   compositorPath: `${xdgRuntimeDir}/${waylandDisplay}`,
 *   config,
 *   onLog: (line) => log.write(`display: ${line}\n`),
 * });
 * // waypipe client with WAYLAND_DISPLAY=guard.path ...
 * ```
 */
export async function startDisplayGuard(
  options: DisplayGuardOptions,
): Promise<DisplayGuard> {
  const sandboxed = sandboxedCompositor(options);
  try {
    const guard = await startGuardWorker(
      new URL("./guard_worker.ts", import.meta.url),
      { ...options, compositorPath: sandboxed?.path ?? options.compositorPath },
    );
    const release = () => sandboxed?.[Symbol.dispose]();
    guard.stopped.then(release, release);
    return guard;
  } catch (error) {
    sandboxed?.[Symbol.dispose]();
    throw error;
  }
}

/**
 * Where the compositor offers its security context, a socket it tags with
 * this VM (beside the guard's own); a refusal is logged and the guard
 * connects as before, filtering all the same.
 */
function sandboxedCompositor(
  options: DisplayGuardOptions,
): SandboxedListener | undefined {
  if (options.config.passThrough) return undefined;
  try {
    const listener = openSandboxedListener({
      compositorPath: resolve(options.compositorPath),
      listenPath: join(dirname(resolve(options.listenPath)), "sandboxed.sock"),
      appId: qubesifyAppId(options.config.app),
      instanceId: options.config.vm,
    });
    if (listener) {
      options.onLog?.(
        `${options.config.vm}: the compositor sandboxes this VM's connections too (${SANDBOX_ENGINE} security context)`,
      );
    }
    return listener;
  } catch (error) {
    options.onLog?.(`${options.config.vm}: ${errorMessage(error)}`);
    return undefined;
  }
}

/**
 * {@linkcode startDisplayGuard} with another Worker entry: tests run the
 * same loop with filters of their own this way.
 */
export async function startGuardWorker(
  workerUrl: URL,
  options: DisplayGuardOptions,
): Promise<DisplayGuard> {
  const listenPath = resolve(options.listenPath);
  const events = openEventFdApi();
  const fds = openFdApi();
  let stopFd;
  try {
    stopFd = events.create();
  } catch (error) {
    fds[Symbol.dispose]();
    events[Symbol.dispose]();
    throw error;
  }
  const worker = new Worker(workerUrl.href, { type: "module" });
  const ready = Promise.withResolvers<void>();
  const stopped = Promise.withResolvers<void>();
  const open = new Set<number>();
  let started = false;
  let finished = false;
  const finish = (error?: string) => {
    if (finished) return;
    finished = true;
    worker.terminate();
    fds.close(stopFd);
    fds[Symbol.dispose]();
    events[Symbol.dispose]();
    open.clear();
    if (error !== undefined) {
      if (started) options.onLog?.(`display guard failed: ${error}`);
      ready.reject(
        new DisplayGuardError(
          `display guard on ${listenPath} failed to start: ${error}`,
        ),
      );
    }
    stopped.resolve();
  };
  worker.onmessage = (message: MessageEvent<GuardMessage>) => {
    const data = message.data;
    switch (data.type) {
      case "ready":
        started = true;
        ready.resolve();
        break;
      case "opened":
        open.add(data.id);
        break;
      case "closed":
        open.delete(data.end.id);
        options.onConnectionEnd?.(data.end);
        break;
      case "log":
        options.onLog?.(data.line);
        break;
      case "ended":
        finish(data.error);
        break;
    }
  };
  worker.onerror = (event) => {
    event.preventDefault();
    // The loop catches its own failures and releases its fds; reaching
    // here means the Worker could not run it at all.
    finish(`its Worker crashed: ${event.message}`);
  };
  const init: GuardInit = {
    listenPath,
    compositorPath: resolve(options.compositorPath),
    config: options.config,
    stopFd,
  };
  worker.postMessage(init);
  await ready.promise;
  const close = async () => {
    if (!finished) events.signal(stopFd);
    await stopped.promise;
  };
  return {
    path: listenPath,
    openConnections: () => open.size,
    stopped: stopped.promise,
    close,
    [Symbol.asyncDispose]: close,
  };
}
