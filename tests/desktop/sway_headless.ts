/**
 * A private sway for tests: wlroots' headless backend drawn with pixman,
 * so `grim` screenshots hold real pixels, one output of a known size, no
 * bar, no Xwayland, in a temporary folder of its own. Sway offers the
 * globals a hostile client wants (screen copy, virtual keyboard, data
 * control, layer shell, foreign toplevels), which makes it the
 * compositor the display guard is tested against.
 *
 * sway 1.7 refuses to run as root, so under root it runs as the
 * unprivileged test user (`test_user.ts`), which owns the temporary folder.
 * Test code stays root and reaches sway's sockets by absolute path.
 *
 * ```ts
 * await using sway = await startSway();
 * // run a client with sway.env (WAYLAND_DISPLAY is a path), then:
 * const image = await sway.screenshot();
 * const window = focusedWindow(await sway.tree());
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { capture } from "../../lib/exec/mod.ts";
import { screenshotWithGrim } from "./grim.ts";
import type { RgbImage } from "./png.ts";
import { socketExists, startPrivateDaemon } from "./process_group.ts";
import type { ClientEnv } from "./run_client.ts";
import type { SwayNode } from "./sway_tree.ts";
import { ensureTestUser, type TestUser } from "./test_user.ts";

/** What {@linkcode startSway} starts. */
export interface SwayOptions {
  /** Output size in pixels; default 1024 × 768. */
  width?: number;
  /** Default 768. */
  height?: number;
}

/** A running headless sway; disposing stops it and removes its folder. */
export interface SwayHeadless extends AsyncDisposable {
  /** Absolute path of its Wayland socket. */
  readonly socket: string;
  /** Absolute path of its IPC socket (for `swaymsg -s`). */
  readonly ipcSocket: string;
  /**
   * Environment a client needs to reach it: WAYLAND_DISPLAY is
   * {@linkcode socket}, XDG_RUNTIME_DIR a private folder for clients.
   */
  readonly env: ClientEnv;
  /** The output's size. */
  readonly width: number;
  /** The output's height. */
  readonly height: number;
  /** The whole output, as `grim` sees it. */
  screenshot(): Promise<RgbImage>;
  /** The layout tree, as `swaymsg -t get_tree` reports it. */
  tree(): Promise<SwayNode>;
  /** Stops sway and removes its folder. */
  stop(): Promise<void>;
}

/** The output wlroots' headless backend creates. */
export const SWAY_OUTPUT = "HEADLESS-1";

/**
 * The configuration the harness gives sway: one output of the requested
 * size, no bar (the default configuration's clock would change between
 * screenshots), no Xwayland, and windows without borders or title bars
 * (their blue would count as a window's colour; see `pixels.ts`).
 */
export function swayConfig(size: { width: number; height: number }): string {
  return [
    `output ${SWAY_OUTPUT} resolution ${size.width}x${size.height} position 0 0`,
    "xwayland disable",
    "default_border none",
    "default_floating_border none",
    "",
  ].join("\n");
}

/**
 * The command line that starts sway with `config`, dropped to `user`'s ids
 * when given (setpriv then execs sway, so sway keeps the process id the
 * harness owns).
 */
export function swayCommand(
  options: { config: string; user?: TestUser },
): { program: string; args: string[] } {
  const sway = ["sway", "--config", options.config];
  if (!options.user) return { program: sway[0], args: sway.slice(1) };
  return {
    program: "setpriv",
    args: [
      `--reuid=${options.user.uid}`,
      `--regid=${options.user.gid}`,
      "--init-groups",
      "--",
      ...sway,
    ],
  };
}

/**
 * Starts sway and waits until both its sockets exist and its output has
 * the requested size.
 */
export async function startSway(
  options: SwayOptions = {},
): Promise<SwayHeadless> {
  const width = options.width ?? 1024;
  const height = options.height ?? 768;
  let socket: string | undefined;
  const daemon = await startPrivateDaemon(
    "qubesify-sway-",
    async ({ root, runtimeDir }) => {
      const config = join(root, "config");
      await Deno.writeTextFile(config, swayConfig({ width, height }));
      const user = Deno.uid() === 0 ? await ensureTestUser() : undefined;
      if (user) {
        for (const path of [root, runtimeDir, config]) {
          await Deno.chown(path, user.uid, user.gid);
        }
      }
      // Root's clients get a runtime folder of their own, not sway's.
      await Deno.mkdir(join(root, CLIENT_RUNTIME_DIR), { mode: 0o700 });
      const ipcSocket = join(runtimeDir, IPC_SOCKET);
      return {
        ...swayCommand({ config, user }),
        env: {
          WLR_BACKENDS: "headless",
          WLR_LIBINPUT_NO_DEVICES: "1",
          WLR_RENDERER: "pixman",
          XDG_RUNTIME_DIR: runtimeDir,
          HOME: root,
          // sway creates its IPC socket where SWAYSOCK says.
          SWAYSOCK: ipcSocket,
        },
        ready: async () => {
          socket = await findWaylandSocket(runtimeDir);
          return socket !== undefined && await socketExists(ipcSocket) &&
            await hasOutputSize(ipcSocket, { width, height });
        },
      };
    },
  );
  const { root, runtimeDir, stop } = daemon;
  if (!socket) {
    await stop();
    throw new Error("sway became ready without a Wayland socket");
  }
  const clientRuntimeDir = join(root, CLIENT_RUNTIME_DIR);
  const ipcSocket = join(runtimeDir, IPC_SOCKET);
  const env = { WAYLAND_DISPLAY: socket, XDG_RUNTIME_DIR: clientRuntimeDir };
  return {
    socket,
    ipcSocket,
    env,
    width,
    height,
    screenshot: () => screenshotWithGrim(env),
    tree: async () => JSON.parse(await swaymsg(ipcSocket, "get_tree")),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

const IPC_SOCKET = "sway-ipc.sock";
const CLIENT_RUNTIME_DIR = "client-run";

/**
 * The Wayland socket sway made in its runtime folder. sway picks the first
 * free `wayland-N` there; the folder is private, so there is only one.
 */
async function findWaylandSocket(
  runtimeDir: string,
): Promise<string | undefined> {
  for await (const entry of Deno.readDir(runtimeDir)) {
    if (!/^wayland-\d+$/.test(entry.name)) continue;
    const path = join(runtimeDir, entry.name);
    if (await socketExists(path)) return path;
  }
  return undefined;
}

/** Whether sway's output already has the configured mode. */
async function hasOutputSize(
  ipcSocket: string,
  size: { width: number; height: number },
): Promise<boolean> {
  const outputs: {
    name: string;
    current_mode?: { width: number; height: number };
  }[] = JSON.parse(await swaymsg(ipcSocket, "get_outputs"));
  const mode = outputs.find((output) => output.name === SWAY_OUTPUT)
    ?.current_mode;
  return mode?.width === size.width && mode?.height === size.height;
}

/** `swaymsg`'s raw JSON answer to a query; throws when it fails. */
async function swaymsg(ipcSocket: string, type: string): Promise<string> {
  const result = await capture({
    program: "swaymsg",
    args: ["--socket", ipcSocket, "--raw", "--type", type],
    timeoutMs: 5_000,
  });
  if (result.code !== 0) {
    throw new Error(
      `swaymsg -t ${type} exited with ${result.code}: ${result.stderr.trim()}`,
    );
  }
  return result.stdout;
}
