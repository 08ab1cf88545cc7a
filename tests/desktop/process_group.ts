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

import {
  type Background,
  type BackgroundOptions,
  startBackground,
} from "../../lib/exec/background.ts";

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
