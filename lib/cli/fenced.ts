/**
 * `qubesify` as the process runs it: the command line is read (nothing
 * runs), its fence computed ({@linkcode fencePermissions}), and the command
 * run in a Worker with those permissions; the process exits with the
 * Worker's exit code. The process itself holds the ceiling (deno.json's
 * `qubesify` permission set) and does nothing else with it.
 *
 * Signals need no relay: `Deno.addSignalListener` works in a Worker, so
 * `withInterruption` takes Ctrl-C there as anywhere.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeAllSync } from "../io/mod.ts";
import { currentStatePaths, type StatePaths } from "../state/mod.ts";
import { ExitCode } from "./errors.ts";
import { type FenceHost, fencePermissions } from "./fence.ts";
import { parseInvocation } from "./invocation.ts";

/** The message that starts a fenced command. */
export interface FencedStart {
  /** The command line, without the program name. */
  args: string[];
}

/** The message a fenced command ends with. */
export interface FencedExit {
  /** Its exit code. */
  code: number;
}

/** The environment the fence is computed from. */
const HOST_VARIABLES = [
  "HOME",
  "PATH",
  "TMPDIR",
  "XDG_RUNTIME_DIR",
  "WAYLAND_DISPLAY",
  "PULSE_SERVER",
];

/** The Worker that runs the command. */
const FENCED_WORKER = new URL("./fenced_worker.ts", import.meta.url);

/**
 * Runs `qubesify ARGS` (without the program name) inside its fence and
 * resolves with its exit code. `entry` is the Worker's module, which
 * answers {@linkcode FencedStart} with {@linkcode FencedExit}; tests put
 * a probe there to try what the fence refuses.
 *
 * @example
 * ```ts
 * import { runFenced } from "./fenced.ts";
 * Deno.exit(await runFenced(["recipe", "ls"]));
 * ```
 */
export async function runFenced(
  args: string[],
  entry: URL = FENCED_WORKER,
): Promise<number> {
  const permissions = withinCeiling(
    fencePermissions(await parseInvocation(args), currentHost()),
  );
  const worker = new Worker(entry, {
    type: "module",
    name: "qubesify",
    deno: { permissions },
  });
  try {
    return await new Promise<number>((resolve) => {
      worker.onmessage = (message: MessageEvent<FencedExit>) =>
        resolve(message.data.code);
      worker.onerror = (event) => {
        event.preventDefault();
        writeAllSync(
          Deno.stderr,
          new TextEncoder().encode(`qubesify: ${event.message}\n`),
        );
        resolve(ExitCode.failure);
      };
      worker.postMessage({ args } satisfies FencedStart);
    });
  } finally {
    worker.terminate();
  }
}

/** This process's {@linkcode FenceHost}. */
export function currentHost(): FenceHost {
  const env = Object.fromEntries(
    HOST_VARIABLES.map((name) => [name, Deno.env.get(name)]),
  );
  return {
    paths: statePathsOrNone(),
    env,
    cwd: Deno.cwd(),
    programRoot: fileURLToPath(new URL("../../", import.meta.url)),
    homeAncestors: listAncestors(env.HOME),
  };
}

/**
 * The fence less what this process lacks: a Worker may not ask for more
 * than its parent holds (Deno refuses to start it), and a command should
 * meet the refusal it would meet unfenced, at the step that needs it, not
 * fail to start (a `--log` under /etc, a run list deno.json lacks).
 */
function withinCeiling(
  permissions: Deno.PermissionOptionsObject,
): Deno.PermissionOptionsObject {
  const held = (descriptor: Deno.PermissionDescriptor) =>
    Deno.permissions.querySync(descriptor).state === "granted";
  const paths = (
    name: "read" | "write" | "ffi",
    grant: Deno.PermissionOptionsObject["read"],
  ) =>
    Array.isArray(grant)
      ? grant.filter((path) => held({ name, path }))
      : grant === true && !held({ name })
      ? "inherit"
      : grant;
  const { run, env, sys, net } = permissions;
  return {
    ...permissions,
    read: paths("read", permissions.read),
    write: paths("write", permissions.write),
    ffi: paths("ffi", permissions.ffi),
    run: Array.isArray(run)
      ? run.filter((command) => held({ name: "run", command }))
      : run,
    env: Array.isArray(env)
      ? env.filter((variable) => held({ name: "env", variable }))
      : env,
    sys: Array.isArray(sys)
      ? sys.filter((kind) =>
        held({
          name: "sys",
          kind: kind as Deno.SysPermissionDescriptor["kind"],
        })
      )
      : sys,
    net: net === true && !held({ name: "net" }) ? "inherit" : net,
  };
}

/** Without HOME there are none; the command itself then says so. */
function statePathsOrNone(): StatePaths | undefined {
  try {
    return currentStatePaths();
  } catch {
    return undefined;
  }
}

/** The entry names of `/` and of each folder down to HOME's parent. */
function listAncestors(
  home: string | undefined,
): Map<string, readonly string[]> {
  const listed = new Map<string, readonly string[]>();
  if (!home?.startsWith("/")) return listed;
  for (let folder = dirname(resolve(home));; folder = dirname(folder)) {
    try {
      listed.set(folder, [...Deno.readDirSync(folder)].map((e) => e.name));
    } catch {
      // Unlisted, the folder grants nothing: the fence fails closed.
    }
    if (folder === "/") return listed;
  }
}
