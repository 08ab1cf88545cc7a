/**
 * A set-up step of a test or bench: a program that must succeed, whose
 * failure says what ran and what it wrote to stderr.
 *
 * @module
 */
import { capture, type CaptureOptions } from "../lib/exec/mod.ts";

/**
 * Runs `program` with `args` (argv, no shell; stdin only when given) and
 * returns its stdout once it ends; throws naming the command and its
 * stderr when it exits with anything but 0.
 *
 * @example
 * ```ts
 * import { mustRun } from "./must_run.ts";
 * await mustRun("ip", ["netns", "add", "qs-test"]);
 * ```
 */
export async function mustRun(
  program: string,
  args: string[],
  options: Pick<CaptureOptions, "env" | "cwd" | "stdin"> = {},
): Promise<string> {
  const result = await capture({ program, args, ...options });
  if (result.code !== 0) {
    throw new Error(
      `${[program, ...args].join(" ")}: ${
        result.stderr.trim() || `exit ${result.code}`
      }`,
    );
  }
  return result.stdout;
}
