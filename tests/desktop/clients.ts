/**
 * Wayland clients for the desktop tests, each owned by the caller: the
 * returned {@linkcode ProcessGroup} stops the client when disposed.
 *
 * @module
 */
import { type ProcessGroup, startProcessGroup } from "./process_group.ts";

/**
 * Starts `weston-simple-shm` (a 250 × 250 window of colour rings drawn in
 * shared memory, redrawn every frame) on the display `env` names. It has
 * no readiness signal of its own; screenshots tell when its window is up.
 */
export async function startSimpleShm(
  env: { WAYLAND_DISPLAY: string; XDG_RUNTIME_DIR: string },
): Promise<ProcessGroup> {
  return await startProcessGroup({
    program: "weston-simple-shm",
    args: [],
    env,
  });
}
