/**
 * Driving the real `qubesify` CLI from VM-tier tests: under the
 * orchestrator's permission set, from the repository root.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** An app that runs until SIGTERM, then says bye and exits 5. */
export const SLEEPER_RECIPE = `kind: app
template: smoke
command: [sh, -c, 'echo started; trap "echo bye; exit 5" TERM; while :; do sleep 1; done']
memory: 256M
display: none
`;

/** `deno run -P=qubesify main.ts ARGS` with piped output. */
export function qubesify(
  args: string[],
  env: Record<string, string>,
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=qubesify", "--quiet", "main.ts", ...args],
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

/** Waits for a spawned command and decodes its output. */
export async function finish(
  child: Deno.ChildProcess,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await child.output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Polls `check` until it holds; throws naming `what` after `timeoutMs`. */
export async function until(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}
