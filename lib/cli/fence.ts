/**
 * The permission fence: what one command's Worker may do, computed from
 * the command and this host's paths before the command runs. The process
 * holds the ceiling (`-P=qubesify` in deno.json, the union of every
 * command's needs); each command runs in a Worker narrowed to its line of
 * {@linkcode COMMAND_NEEDS}:
 *
 * - write: qubesify's config, data and runtime folders and the temp
 *   folder, for commands that write at all, plus the folders their job
 *   names (desktop entries, systemd units) and the folders of files named
 *   on the command line (`--log FILE`);
 * - read: everything but the user's home, and in it only qubesify's
 *   folders, the program, PATH's folders and the files named on the
 *   command line;
 * - run: the programs that command starts, by name;
 * - ffi: libc, only for commands that call it;
 * - net: only for commands that open sockets or download.
 *
 * Deno checks a path as it is written: a symlink in an allowed folder
 * leads wherever it points. And a command with ffi can call libc, which
 * no Deno permission checks.
 *
 * @module
 */
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { LIBC_PATHS } from "../ffi/mod.ts";
import type { StatePaths } from "../state/mod.ts";
import { pulseSocketPath } from "../vm/mod.ts";
import {
  COMMAND_NEEDS,
  type CommandNeeds,
  type FenceRequest,
} from "./fence_commands.ts";

export type { FenceRequest } from "./fence_commands.ts";

/** The facts about this host a fence is computed from. */
export interface FenceHost {
  /** qubesify's folders; undefined when they cannot be resolved (no HOME). */
  paths?: StatePaths;
  /** HOME, PATH, TMPDIR, XDG_RUNTIME_DIR, WAYLAND_DISPLAY, PULSE_SERVER. */
  env: Readonly<Record<string, string | undefined>>;
  /** The working folder, against which command-line paths resolve. */
  cwd: string;
  /** The folder of main.ts: recipes, kernel/, lib/ and its Workers. */
  programRoot: string;
  /**
   * The entry names of each folder from `/` down to HOME's parent, keyed
   * by the folder's absolute path: read covers all of them but HOME.
   */
  homeAncestors: ReadonlyMap<string, readonly string[]>;
}

/** Environment variables every command may read. */
const ENV = [
  "HOME",
  "PATH",
  "NO_COLOR",
  "PULSE_SERVER",
  "WAYLAND_DISPLAY",
  "XDG_CONFIG_HOME",
  "XDG_DATA_HOME",
  "XDG_RUNTIME_DIR",
  "QUBESIFY_*",
  // The yaml package reads these debug switches while parsing.
  "LOG_STREAM",
  "LOG_TOKENS",
  // commander reads this while formatting --help.
  "CLICOLOR_FORCE",
];

/** "No command" (help, version, a usage error): it prints, nothing more. */
const NOTHING: CommandNeeds = { programs: [] };

/**
 * The Worker permissions `request` runs with on `host`. Pure: the same
 * input always gives the same fence.
 *
 * @example
 * ```ts
 * import { fencePermissions } from "./fence.ts";
 * const permissions = fencePermissions(
 *   { command: "recipe ls", options: {}, operands: [] },
 *   {
 *     paths: { config: "/h/.config/qubesify", data: "/h/.local/share/qubesify", runtime: "/run/user/1/qubesify" },
 *     env: { HOME: "/h", PATH: "/usr/bin" },
 *     cwd: "/h",
 *     programRoot: "/opt/qubesify",
 *     homeAncestors: new Map([["/", ["usr", "h"]]]),
 *   },
 * );
 * console.log(permissions.write); // false: recipe ls writes nothing
 * ```
 */
export function fencePermissions(
  request: FenceRequest,
  host: FenceHost,
): Deno.PermissionOptionsObject {
  const needs = COMMAND_NEEDS[request.command] ?? NOTHING;
  const absolute = (paths: readonly string[]) =>
    paths.map((path) => resolve(host.cwd, path));
  const state = host.paths
    ? [host.paths.config, host.paths.data, host.paths.runtime]
    : [];
  const temp = tempDir(host.env);
  const jobFolders = host.paths ? needs.writes?.(host.paths) ?? [] : [];
  const outputs = absolute(needs.outputs?.(request) ?? []);
  const pulse = needs.session ? pulseSocket(host.env) : [];
  // The Wayland socket lives in the user's runtime folder.
  const session = needs.session ? absoluteOnly([host.env.XDG_RUNTIME_DIR]) : [];
  const writes = [
    ...needs.writesState && host.paths ? [...state, temp] : [],
    ...jobFolders,
    ...outputs,
    // Connecting to a UNIX socket needs write on its path.
    ...pulse,
  ];
  const programs = typeof needs.programs === "function"
    ? needs.programs(request)
    : needs.programs;
  const run = [...programs];
  return {
    read: readGrant(host, [
      ...state,
      temp,
      host.programRoot,
      ...pathFolders(host.env),
      ...jobFolders,
      ...outputs,
      ...absolute(needs.reads?.(request) ?? []),
      ...session,
      ...pulse,
    ]),
    write: writes.length ? unique(writes) : false,
    run: run.length ? unique(run).sort() : false,
    ffi: needs.ffi ? [...LIBC_PATHS] : false,
    net: needs.net ?? false,
    env: [...ENV, ...needs.env ?? []],
    sys: needs.net || needs.ffi
      ? ["uid", "gid", "networkInterfaces"]
      : ["uid", "gid"],
    import: false,
  };
}

/**
 * Read: every path outside the user's home, and in it only `inside`. With
 * no usable HOME there is no home to keep out, and read is whole.
 */
function readGrant(
  host: FenceHost,
  inside: readonly string[],
): true | string[] {
  const home = host.env.HOME;
  if (!home || !isAbsolute(home) || resolve(home) === "/") return true;
  const outside: string[] = [];
  // Every sibling of each folder on the way from / down to HOME.
  let folder = "/";
  for (const part of resolve(home).split("/").filter(Boolean)) {
    // A folder that could not be listed grants nothing: the fence fails closed.
    for (const entry of host.homeAncestors.get(folder) ?? []) {
      if (entry !== part) outside.push(join(folder, entry));
    }
    folder = join(folder, part);
  }
  return unique([...outside, ...absoluteOnly(inside)]);
}

/** The folders on PATH: finding a program stats a file in each. */
function pathFolders(env: FenceHost["env"]): string[] {
  return absoluteOnly((env.PATH ?? "").split(delimiter));
}

function absoluteOnly(paths: readonly (string | undefined)[]): string[] {
  return paths.filter((path): path is string =>
    path !== undefined && isAbsolute(path)
  );
}

/** Where temporary files go (Deno.makeTempDir's choice). */
function tempDir(env: FenceHost["env"]): string {
  const tmp = env.TMPDIR;
  return tmp && isAbsolute(tmp) ? tmp : "/tmp";
}

function pulseSocket(env: FenceHost["env"]): string[] {
  const path = pulseSocketPath(env);
  return path ? [path] : [];
}

function unique(paths: readonly string[]): string[] {
  return [...new Set(paths)];
}
