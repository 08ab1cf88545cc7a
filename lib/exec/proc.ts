/**
 * Process and /proc facts for an orchestrator without full permissions:
 * Deno refuses to touch /proc and /sys unless every permission is granted,
 * so these ask small programs from the allow list instead.
 *
 * @module
 */
import { capture } from "./capture.ts";

/** Whether a process with this pid exists (`kill -0`). */
export async function isProcessAlive(pid: unknown): Promise<boolean> {
  if (typeof pid !== "number" || !Number.isInteger(pid) || pid <= 0) {
    return false;
  }
  const result = await capture({
    program: "kill",
    args: ["-0", String(pid)],
    timeoutMs: 5_000,
  });
  return result.code === 0;
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
