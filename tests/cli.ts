/**
 * The `qubesify` CLI as a child process, started the way qubesify starts
 * itself again ({@linkcode selfCommand}: `deno run -P=qubesify main.ts`
 * from this checkout), so a permission the code needs but deno.json lacks
 * fails the test that needs it.
 *
 * @example
 * ```ts
 * import { runQubesify } from "./cli.ts";
 * const { code, stdout } = await runQubesify(["recipe", "check"]);
 * ```
 *
 * @module
 */
import { selfCommand } from "../lib/exec/mod.ts";

/** How {@linkcode startQubesify} starts the CLI. */
export interface QubesifyOptions {
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** A network namespace to run it in (through `ip netns exec`). */
  namespace?: string;
}

/** What a finished CLI process printed and how it exited. */
export interface QubesifyResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The whole argv, program first, of `qubesify ARGS`. */
export function qubesifyArgv(
  args: readonly string[],
  options: Pick<QubesifyOptions, "namespace"> = {},
): string[] {
  return [
    ...options.namespace ? ["ip", "netns", "exec", options.namespace] : [],
    ...selfCommand(),
    ...args,
  ];
}

/**
 * Starts `qubesify ARGS` with no stdin and piped output; the caller owns
 * the process (`await using` kills and reaps it).
 */
export function startQubesify(
  args: readonly string[],
  options: QubesifyOptions = {},
): Deno.ChildProcess {
  const [program, ...argv] = qubesifyArgv(args, options);
  return new Deno.Command(program, {
    args: argv,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Waits for a CLI process started by {@linkcode startQubesify}. */
export async function finish(
  child: Deno.ChildProcess,
): Promise<QubesifyResult> {
  const output = await child.output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Runs `qubesify ARGS` to the end. */
export async function runQubesify(
  args: readonly string[],
  options: QubesifyOptions = {},
): Promise<QubesifyResult> {
  return await finish(startQubesify(args, options));
}
