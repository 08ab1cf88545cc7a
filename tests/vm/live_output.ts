/**
 * A running `qubesify` command's output as it comes, for tests that talk
 * to an app while its VM runs: they wait for the app's next line, and
 * show everything printed so far when it does not come.
 *
 * @example
 * ```ts ignore
 * const run = watchOutput(box.spawn(["run", "--no-build", "terminal"]));
 * await run.next((line) => line === "ready", 180_000, "the app to start");
 * const { code } = await run.finished;
 * ```
 *
 * @module
 */
import type { QubesifyResult } from "../cli.ts";

/** A command's output, read line by line while it runs. */
export interface LiveOutput {
  /**
   * The next stdout line, after the one `next` returned last, that
   * `matches`; lines in between are passed over. Throws, naming `what`
   * and quoting the output so far, after `timeoutMs` or when the command
   * ended without one.
   */
  next(
    matches: (line: string) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<string>;
  /** Everything printed so far, for an assertion's message. */
  printed(): string;
  /** How the command ended, with all it printed. */
  readonly finished: Promise<QubesifyResult>;
}

/** Reads `child`'s piped stdout and stderr; the caller still owns `child`. */
export function watchOutput(child: Deno.ChildProcess): LiveOutput {
  let stdout = "";
  let stderr = "";
  let seen = 0;
  const stdoutDone = child.stdout.pipeThrough(new TextDecoderStream())
    .pipeTo(new WritableStream({ write: (text) => void (stdout += text) }));
  const stderrDone = child.stderr.pipeThrough(new TextDecoderStream())
    .pipeTo(new WritableStream({ write: (text) => void (stderr += text) }));
  const finished = (async () => {
    const { code } = await child.status;
    await Promise.all([stdoutDone, stderrDone]);
    return { code, stdout, stderr };
  })();
  let ended = false;
  finished.finally(() => ended = true);
  const printed = () => `stdout:\n${stdout}\nstderr:\n${stderr}`;
  return {
    async next(matches, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs;
      while (true) {
        const lines = stdout.split("\n").slice(0, -1);
        const found = lines.findIndex((line, i) => i >= seen && matches(line));
        if (found >= 0) {
          seen = found + 1;
          return lines[found];
        }
        if (ended || Date.now() > deadline) {
          throw new Error(
            `${
              ended ? "the command ended" : "timed out"
            } waiting for ${what}\n${printed()}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    printed,
    finished,
  };
}
