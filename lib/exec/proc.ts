/**
 * Process and /proc facts for an orchestrator without full permissions:
 * Deno refuses to touch /proc and /sys unless every permission is granted,
 * so kernel files are read by `cat` from the allow list, and liveness is
 * asked of libc (`kill(pid, 0)`, one syscall) rather than of a `kill`
 * process: the dispatcher asks once per VM for every connection burst, and
 * a process per question let one VM's burst starve everyone's connections.
 *
 * @module
 */
import { type Libc, LibcError, openLibc } from "../ffi/mod.ts";
import { capture } from "./capture.ts";

/** The largest pid Linux hands out (PID_MAX_LIMIT on 64-bit). */
const PID_MAX_LIMIT = 4_194_304;

/**
 * libc, opened on first use and kept: liveness is asked often, and libc
 * stays mapped for the life of the process anyway. `null` when this
 * program may not call it (no ffi permission).
 */
let libc: Libc | null | undefined;

function libcIfAllowed(): Libc | null {
  if (libc === undefined) {
    try {
      libc = openLibc();
    } catch (error) {
      if (!(error instanceof Deno.errors.NotCapable)) throw error;
      libc = null;
    }
  }
  return libc;
}

/**
 * Whether a process of ours with this pid exists: `kill(pid, 0)` succeeds.
 * EPERM (a process exists, but we may not signal it) counts as gone, as
 * it always has with `kill -0`: every pid asked about is a process this
 * user started (a VM's QEMU, a `run`), so another user's process there is
 * the pid reused, and must not revive a dead VM's record. A program
 * without the ffi permission asks the `kill` program instead.
 */
export async function isProcessAlive(pid: unknown): Promise<boolean> {
  if (
    typeof pid !== "number" || !Number.isInteger(pid) || pid <= 0 ||
    pid > PID_MAX_LIMIT
  ) {
    return false;
  }
  const api = libcIfAllowed();
  if (api === null) {
    const result = await capture({
      program: "kill",
      args: ["-0", String(pid)],
      timeoutMs: 5_000,
    });
    return result.code === 0;
  }
  try {
    api.kill(pid, 0);
    return true;
  } catch (error) {
    if (error instanceof LibcError) return false;
    throw error;
  }
}

/** Reads a /proc or /sys file through `cat`; undefined when unreadable. */
export async function readKernelFile(
  path: string,
): Promise<string | undefined> {
  if (!/^\/(proc|sys)\/[\w./-]+$/.test(path) || path.includes("..")) {
    throw new RangeError(`not a /proc or /sys path: ${path}`);
  }
  const result = await capture({
    program: "cat",
    args: ["--", path],
    timeoutMs: 5_000,
  });
  return result.code === 0 ? result.stdout : undefined;
}
