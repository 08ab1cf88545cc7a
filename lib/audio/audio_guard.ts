/**
 * The audio guard's listener: a UNIX socket the VM's audio service points
 * at, with each accepted connection guarded on its own way to the user's
 * sound server (see `guarded_connection.ts` and `session.ts`).
 *
 * No file descriptor ever needs to pass, since the guard turns shared
 * memory off, so the loop is plain Deno sockets on the main thread: no
 * Worker, no epoll.
 *
 * @module
 */
import { resolve } from "node:path";
import { errorMessage, QubesifyError } from "../errors/mod.ts";
import { closeQuietly } from "../io/mod.ts";
import { GuardedConnection } from "./guarded_connection.ts";
import type { AudioMode } from "./policy.ts";
import type { SessionLimits } from "./session.ts";

/** The guard could not listen on its socket. */
export class AudioGuardError extends QubesifyError {}

/** Connections one guard carries at once; an app needs one or two. */
export const MAX_CONNECTIONS = 16;

/** What {@linkcode startAudioGuard} needs. */
export interface AudioGuardOptions {
  /** Where to listen: the socket the VM's audio service forwards to. */
  listenPath: string;
  /** The user's pulse server socket (pulseaudio or pipewire-pulse). */
  serverPath: string;
  /** The recipe's `audio`: what the VM may do. */
  mode: AudioMode;
  /** The VM's name, for the log lines. */
  vm: string;
  /** Lines for the VM's log: refusals, and connections ended by the guard. */
  onLog?: (line: string) => void;
  /** Overrides of each connection's limits (tests). */
  limits?: Partial<SessionLimits>;
}

/** A running guard; close it (or `await using` it) to stop it. */
export interface AudioGuard extends AsyncDisposable {
  /** The absolute path of the guard's socket. */
  readonly path: string;
  /** Resolves when the guard has stopped and every connection is closed. */
  readonly stopped: Promise<void>;
  /**
   * Stops listening, closes every connection and removes the socket file;
   * safe to call more than once.
   */
  close(): Promise<void>;
}

/**
 * Starts a guard listening on `listenPath` (mode 0600); hand its path to
 * the VM's audio service once this returns.
 *
 * @example
 * ```ts
 * await using guard = await startAudioGuard({
 *   listenPath: `${vmDir}/pulse.sock`,
 *   serverPath: `${xdgRuntimeDir}/pulse/native`,
 *   mode: "playback",
 *   vm: "firefox-1",
 *   onLog: (line) => log.write(`${line}\n`),
 * });
 * sockets.audio = guard.path;
 * ```
 */
export async function startAudioGuard(
  options: AudioGuardOptions,
): Promise<AudioGuard> {
  const path = resolve(options.listenPath);
  let listener: Deno.Listener;
  try {
    listener = Deno.listen({ transport: "unix", path });
  } catch (error) {
    throw new AudioGuardError(
      `the audio guard cannot listen on ${path}: ${errorMessage(error)}`,
    );
  }
  try {
    await Deno.chmod(path, 0o600);
  } catch (error) {
    closeQuietly(listener);
    await Deno.remove(path).catch(() => {});
    throw new AudioGuardError(
      `the audio guard cannot restrict ${path}: ${errorMessage(error)}`,
    );
  }
  const log = (line: string) => options.onLog?.(`audio ${options.vm}: ${line}`);
  const connections = new Map<GuardedConnection, Promise<void>>();
  let nextId = 1;
  let closed = false;
  const accepting = (async () => {
    while (!closed) {
      let client: Deno.Conn;
      try {
        client = await listener.accept();
      } catch (error) {
        if (closed || error instanceof Deno.errors.BadResource) break;
        // Out of file descriptors or a reset before accept: keep serving,
        // after a pause so that a lasting error does not spin.
        await new Promise((wake) => setTimeout(wake, 100));
        continue;
      }
      const id = nextId++;
      if (connections.size >= MAX_CONNECTIONS) {
        log(`connection ${id} refused: already ${MAX_CONNECTIONS} open`);
        closeQuietly(client);
        continue;
      }
      const connection = new GuardedConnection(client, {
        serverPath: options.serverPath,
        mode: options.mode,
        log: (line) => log(`connection ${id}: ${line}`),
        limits: options.limits,
      });
      connections.set(
        connection,
        connection.serve().finally(() => connections.delete(connection)),
      );
    }
  })();
  const stopped = Promise.withResolvers<void>();
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      closed = true;
      closeQuietly(listener);
      await accepting;
      const serving = [...connections.values()];
      for (const connection of connections.keys()) connection.abort();
      await Promise.allSettled(serving);
      await Deno.remove(path).catch(() => {});
      stopped.resolve();
    })();
  return {
    path,
    stopped: stopped.promise,
    close,
    [Symbol.asyncDispose]: close,
  };
}
