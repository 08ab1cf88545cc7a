/**
 * Driving the real `qubesify` CLI from VM-tier tests: a sandbox of private
 * folders whose commands and VMs are all gone after the test.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { finish, type QubesifyOptions, startQubesify } from "../cli.ts";

/** The VM tests' recipes, installed in every sandbox. */
const RECIPES = fileURLToPath(new URL("./recipes", import.meta.url));

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
 * Private runtime and config folders (the recipes in ./recipes installed) for
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
  /** Starts `qubesify ARGS` inside the sandbox (in `namespace`, if given). */
  spawn(
    args: string[],
    options?: Pick<QubesifyOptions, "namespace">,
  ): Deno.ChildProcess;
  /** The running VMs, from `qubesify ls --json`. */
  vms(): Promise<ListedVm[]>;
}

/** Creates a {@linkcode Sandbox} using the VM tests' data folder. */
export async function sandbox(dataDir: string): Promise<Sandbox> {
  const runtime = await Deno.makeTempDir({ prefix: "qubesify-runtime-test-" });
  const config = await Deno.makeTempDir({ prefix: "qubesify-config-test-" });
  await Deno.mkdir(join(config, "recipes"));
  for await (const entry of Deno.readDir(RECIPES)) {
    await Deno.copyFile(
      join(RECIPES, entry.name),
      join(config, "recipes", entry.name),
    );
  }
  const env = {
    QUBESIFY_DATA_DIR: dataDir,
    QUBESIFY_RUNTIME_DIR: runtime,
    QUBESIFY_CONFIG_DIR: config,
  };
  const started: Deno.ChildProcess[] = [];
  const spawn: Sandbox["spawn"] = (args, options) => {
    const child = startQubesify(args, { ...options, env });
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
