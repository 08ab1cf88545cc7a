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

/** A VM as `ls --json` lists it. */
export interface ListedVm {
  name: string;
  app: string;
  pid: number;
  ownerPid: number;
  image: string;
}

/**
 * Private runtime and config folders (the sleeper recipe installed) for
 * one test: every command it spawns is killed and reaped on dispose, and
 * so is any QEMU a killed `run` left behind.
 */
export interface Sandbox extends AsyncDisposable {
  /** `QUBESIFY_RUNTIME_DIR`. */
  runtime: string;
  /** `QUBESIFY_CONFIG_DIR`. */
  config: string;
  /** The environment every command gets. */
  env: Record<string, string>;
  /** Starts `qubesify ARGS` inside the sandbox. */
  spawn(args: string[]): Deno.ChildProcess;
  /** The running VMs, from `qubesify ls --json`. */
  vms(): Promise<ListedVm[]>;
}

/** Creates a {@linkcode Sandbox} using the VM tests' data folder. */
export async function sandbox(dataDir: string): Promise<Sandbox> {
  const runtime = await Deno.makeTempDir({ prefix: "qubesify-runtime-test-" });
  const config = await Deno.makeTempDir({ prefix: "qubesify-config-test-" });
  await Deno.mkdir(`${config}/recipes`);
  await Deno.writeTextFile(`${config}/recipes/sleeper.yaml`, SLEEPER_RECIPE);
  const env = {
    QUBESIFY_DATA_DIR: dataDir,
    QUBESIFY_RUNTIME_DIR: runtime,
    QUBESIFY_CONFIG_DIR: config,
  };
  const started: Deno.ChildProcess[] = [];
  const spawn = (args: string[]) => {
    const child = qubesify(args, env).spawn();
    started.push(child);
    return child;
  };
  return {
    runtime,
    config,
    env,
    spawn,
    async vms() {
      const listed = await finish(spawn(["ls", "--json"]));
      if (listed.code !== 0) throw new Error(`ls failed: ${listed.stderr}`);
      return JSON.parse(listed.stdout);
    },
    async [Symbol.asyncDispose]() {
      for (const child of started) {
        try {
          child.kill("SIGKILL");
        } catch {
          // Already exited.
        }
        await child.status;
      }
      // QEMU outlives a killed `run`.
      for await (const entry of Deno.readDir(runtime)) {
        const pid = await Deno.readTextFile(`${runtime}/${entry.name}/vm.json`)
          .then((text) => JSON.parse(text).pid as number, () => undefined);
        if (pid) {
          await new Deno.Command("kill", { args: ["-KILL", String(pid)] })
            .output().catch(() => {});
        }
      }
      await Deno.remove(runtime, { recursive: true });
      await Deno.remove(config, { recursive: true });
    },
  };
}
