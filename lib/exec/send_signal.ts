/**
 * Signalling a process we did not spawn in this process (a VM owned by
 * another `qubesify run`). Deno.kill needs unrestricted run permission;
 * the kill program needs only itself in the allow list.
 *
 * @module
 */
import { capture } from "./capture.ts";

/** Sends `signal` to `pid`; resolves false when there is no such process. */
export async function sendSignal(
  pid: number,
  signal: "TERM" | "KILL",
): Promise<boolean> {
  const result = await capture({
    program: "kill",
    args: ["-s", signal, String(pid)],
    timeoutMs: 5_000,
  });
  return result.code === 0;
}

/**
 * Sends `signal` to every process of the group `pgid` (a program started
 * `detached` leads its own group, with its pid as the group id), so that
 * children it forked go too. Resolves false when no such group exists.
 */
export async function signalProcessGroup(
  pgid: number,
  signal: "TERM" | "KILL",
): Promise<boolean> {
  const result = await capture({
    program: "kill",
    args: ["-s", signal, "--", `-${pgid}`],
    timeoutMs: 5_000,
  });
  return result.code === 0;
}
