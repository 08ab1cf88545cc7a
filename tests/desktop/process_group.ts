/**
 * A test's background program together with everything it forks. waypipe
 * 0.8.4 forks a process per connection (and, as a server, the program it
 * runs), and its main process exits on SIGTERM without stopping them; they
 * keep its output pipe open, so waiting for the main process alone would
 * leave them running and a reader of that pipe waiting forever. Started in
 * a session of its own, the whole process group is stopped at once.
 *
 * @module
 */
import { join } from "node:path";
import {
  type Background,
  type BackgroundOptions,
  startBackground,
} from "../../lib/exec/mod.ts";

/** A running process group; disposing it stops every member. */
export type ProcessGroup = Background;

/**
 * Starts `program` as the leader of a new session and process group (see
 * `startBackground`), with the harness's patience: 10 s to get ready
 * (weston and pulseaudio start slowly under load), 2 s to stop.
 */
export function startProcessGroup(
  options: BackgroundOptions,
): Promise<ProcessGroup> {
  return startBackground({
    readyTimeoutMs: 10_000,
    stopGraceMs: 2_000,
    ...options,
  });
}

/**
 * How the group's leader ended, if it ends by itself within `timeoutMs`;
 * undefined when it is still running then (it is left running).
 */
export async function exitWithin(
  group: ProcessGroup,
  timeoutMs: number,
): Promise<{ code: number } | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      group.exited,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A daemon started by {@linkcode startPrivateDaemon}. */
export interface PrivateDaemon {
  /** Its temporary folder: its HOME, configuration and whatever it writes. */
  root: string;
  /** `root/run`, mode 0700: its XDG_RUNTIME_DIR. */
  runtimeDir: string;
  /** Stops the group, then removes `root`; later calls wait for the first. */
  stop(): Promise<void>;
}

/**
 * Starts a daemon (weston, pulseaudio) in a private temporary folder, so
 * nothing of the real user's session is read or written: `options` gets
 * the folders and says what to start. The folder is removed when the
 * daemon stops, or at once when it fails to start.
 */
export async function startPrivateDaemon(
  prefix: string,
  options: (
    folders: { root: string; runtimeDir: string },
  ) => BackgroundOptions | Promise<BackgroundOptions>,
): Promise<PrivateDaemon> {
  const root = await Deno.makeTempDir({ prefix });
  try {
    const runtimeDir = join(root, "run");
    await Deno.mkdir(runtimeDir, { mode: 0o700 });
    const group = await startProcessGroup(
      await options({ root, runtimeDir }),
    );
    let stopping: Promise<void> | undefined;
    const stop = () =>
      stopping ??= (async () => {
        await group.stop();
        await Deno.remove(root, { recursive: true });
      })();
    return { root, runtimeDir, stop };
  } catch (error) {
    await Deno.remove(root, { recursive: true });
    throw error;
  }
}

/** Whether `path` is a socket: a daemon's readiness. */
export async function socketExists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(
    (info) => info.isSocket === true,
    () => false,
  );
}
