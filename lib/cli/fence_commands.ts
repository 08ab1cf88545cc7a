/**
 * What each command needs from the host, one line per command: the
 * programs it starts (every `capture`, `runLogged`, `startBackground` and
 * `Deno.Command` below it), whether it writes, calls libc, opens sockets,
 * and the paths from its command line. {@linkcode fencePermissions} turns
 * a line into Worker permissions; `fence_test.ts` checks every
 * command of the tree has one.
 *
 * @module
 */
import { dirname } from "node:path";
import { parseListenAddress } from "../egress/mod.ts";
import type { StatePaths } from "../state/mod.ts";
import { desktopEntriesDir } from "./commands/desktop.ts";
import { scheduleUnitDir } from "./commands/schedule.ts";

/** The command about to run, as the parser understood it. */
export interface FenceRequest {
  /** Its path below `qubesify`: `"run"`, `"relay local"`; `""` for none (help, usage errors). */
  command: string;
  /** Its parsed options (`--log`, `--no-build` as `build: false`, …). */
  options: Readonly<Record<string, unknown>>;
  /** Its operands (`recipe check FILES`). */
  operands: readonly string[];
}

/** One command's needs. */
export interface CommandNeeds {
  /** Programs it starts, by name (absolute paths found on PATH match too). */
  programs: readonly string[] | ((request: FenceRequest) => readonly string[]);
  /** It writes qubesify's folders and the temp folder. */
  writesState?: boolean;
  /** Folders beyond qubesify's it writes by design. */
  writes?: (paths: StatePaths) => readonly string[];
  /** Files and folders named on its command line that it reads. */
  reads?: (request: FenceRequest) => readonly string[];
  /** Folders of files named on its command line that it writes. */
  outputs?: (request: FenceRequest) => readonly string[];
  /** It calls libc (relays, guards, device checks, hugepages). */
  ffi?: boolean;
  /** It opens sockets: UNIX ones in the runtime folder, TCP, downloads. */
  net?: boolean;
  /** It reads the user's Wayland and pulse sockets. */
  session?: boolean;
  /** Environment variables beyond the common ones. */
  env?: readonly string[];
}

/** Liveness without libc, and signals to VMs of other `run`s. */
const KILL = ["kill"];
/** /proc and /sys files, which Deno reads only with every permission. */
const CAT = ["cat"];
/** `kernel build`: make, and tar for the source tree. */
const KERNEL_BUILD = ["make", "tar"];
/** `image build`: the Debian tree, the ext4 image, its check. */
const IMAGE_BUILD = ["mmdebstrap", "mke2fs", "resize2fs", "e2fsck", "tar"];
const QEMU = "qemu-system-x86_64";
/** `net setup --apply`. */
const TAP_SETUP = ["ip", "bridge", "sysctl", "nft"];
/** `build`: the kernel, the images, and a smoke boot of fresh ones. */
const BUILD = [...KERNEL_BUILD, ...IMAGE_BUILD, QEMU, ...KILL, ...CAT];

/** Read-only commands on qubesify's folders. */
const READER: CommandNeeds = { programs: [] };

const SCHEDULE: CommandNeeds = {
  programs: ["systemctl"],
  writes: (paths) => [scheduleUnitDir(paths)],
};

const DESKTOP: CommandNeeds = {
  programs: [],
  writes: (paths) => [desktopEntriesDir(paths)],
};

/** The line of each command, by its path below `qubesify`. */
export const COMMAND_NEEDS: Readonly<Record<string, CommandNeeds>> = {
  run: {
    programs: (request) => [
      QEMU,
      "waypipe",
      // The home disk of `persist: home`.
      "mke2fs",
      // Whether a `network: tap` device exists.
      "ip",
      ...KILL,
      ...CAT,
      ...request.options.build === false ? [] : BUILD,
    ],
    writesState: true,
    ffi: true,
    net: true,
    session: true,
  },
  ls: { programs: [...KILL, ...CAT], writesState: true },
  stop: { programs: KILL },
  logs: READER,
  build: { programs: BUILD, writesState: true, ffi: true, net: true },
  "kernel build": {
    programs: KERNEL_BUILD,
    writesState: true,
    net: true,
    reads: (request) => stringOptions(request, "source"),
  },
  "kernel ls": READER,
  "image build": { programs: [...IMAGE_BUILD, ...KILL], writesState: true },
  "image ls": READER,
  "image gc": { programs: KILL, writesState: true },
  "recipe ls": READER,
  "recipe show": READER,
  "recipe check": { programs: [], reads: (request) => request.operands },
  doctor: {
    programs: [QEMU, "mmdebstrap", "mke2fs", "waypipe", ...KILL, ...CAT],
    // The accelerator probe's firmware goes to a temporary folder.
    writesState: true,
    // Device checks stat through libc.
    ffi: true,
    session: true,
  },
  proxy: {
    programs: [],
    writesState: true,
    net: true,
    reads: (request) => [
      ...policyFolders(request),
      ...stringOptions(request, "hosts"),
    ],
    // Without --log, the policy's log may lie beside the policy.
    outputs: (request) =>
      [
        ...stringOptions(request, "log", "policy").slice(0, 1),
        ...unixListenPath(request),
      ].map((path) => dirname(path)),
  },
  "proxy log": {
    programs: [],
    reads: (request) => [
      ...policyFolders(request),
      ...stringOptions(request, "log"),
    ],
  },
  "relay host": { programs: [], writesState: true, ffi: true },
  "relay viewer": {
    programs: [],
    writesState: true,
    ffi: true,
    reads: policyFolders,
    outputs: (request) =>
      stringOptions(request, "unix").map((path) => dirname(path)),
  },
  "relay local": {
    programs: KILL,
    writesState: true,
    ffi: true,
    outputs: (request) =>
      stringOptions(request, "log").map((path) => dirname(path)),
  },
  "schedule enable": SCHEDULE,
  "schedule disable": SCHEDULE,
  "schedule status": { programs: ["systemctl"] },
  "desktop install": DESKTOP,
  "desktop uninstall": DESKTOP,
  "net setup": {
    programs: (request) => request.options.apply ? TAP_SETUP : [],
    // --apply writes the ruleset to a temporary file for nft.
    writesState: true,
    env: ["SUDO_USER", "USER"],
  },
};

/** The values of the named string options that were given, in that order. */
function stringOptions(
  request: FenceRequest,
  ...names: readonly string[]
): string[] {
  return names.flatMap((name) => {
    const value = request.options[name];
    return typeof value === "string" ? [value] : [];
  });
}

/** A policy's folder: its block lists and hosts file are found from there. */
function policyFolders(request: FenceRequest): string[] {
  return stringOptions(request, "policy").flatMap((file) => [
    file,
    dirname(file),
  ]);
}

/** `proxy --listen PATH`: the socket file it creates. */
function unixListenPath(request: FenceRequest): string[] {
  const [listen] = stringOptions(request, "listen");
  if (listen === undefined) return [];
  try {
    const address = parseListenAddress(listen);
    return "path" in address ? [address.path] : [];
  } catch {
    return [];
  }
}
