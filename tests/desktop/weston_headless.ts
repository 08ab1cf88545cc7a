/**
 * A private Wayland desktop for tests: weston's headless backend, drawn in
 * software so screenshots hold real pixels, in a temporary runtime folder
 * of its own. The desktop is black with no panel, so whatever colour a
 * screenshot shows came from a client (see `pixels.ts`).
 *
 * ```ts
 * await using weston = await startWestonHeadless();
 * // run a client with weston.env, then:
 * const { image, matched } = await weston.screenshotUntil(showsWindow);
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { capture } from "../../lib/exec/mod.ts";
import { decodePng, type RgbImage } from "./png.ts";
import { socketExists, startPrivateDaemon } from "./process_group.ts";

/** What {@linkcode startWestonHeadless} starts. */
export interface WestonOptions {
  /** Output size in pixels; default 640 × 480. */
  width?: number;
  /** Default 480. */
  height?: number;
}

/** The outcome of {@linkcode WestonHeadless.screenshotUntil}. */
export interface ScreenshotPoll {
  /** The last screenshot taken. */
  image: RgbImage;
  /** Whether it satisfied the predicate before the time ran out. */
  matched: boolean;
}

/** A running headless weston; disposing stops it and removes its folder. */
export interface WestonHeadless extends AsyncDisposable {
  /** Its XDG_RUNTIME_DIR, where its socket lives. */
  readonly runtimeDir: string;
  /** Its socket name (WAYLAND_DISPLAY). */
  readonly display: string;
  /** Environment a client needs to reach it. */
  readonly env: { WAYLAND_DISPLAY: string; XDG_RUNTIME_DIR: string };
  /** The whole output, as weston-screenshooter sees it. */
  screenshot(): Promise<RgbImage>;
  /**
   * Takes screenshots until one satisfies `predicate` or `timeoutMs`
   * (default 10 s) passes; returns the last.
   */
  screenshotUntil(
    predicate: (image: RgbImage) => boolean,
    options?: { timeoutMs?: number; intervalMs?: number },
  ): Promise<ScreenshotPoll>;
  /** Stops weston (and its shell client) and removes its folder. */
  stop(): Promise<void>;
}

/**
 * The configuration the harness gives weston: a black desktop with no
 * panel (no clock whose digits change between screenshots) and no
 * on-screen keyboard client.
 */
export const WESTON_INI = [
  "[shell]",
  "background-color=0xff000000",
  "panel-position=none",
  "",
  "[input-method]",
  "path=",
  "",
].join("\n");

/** The command line for a headless weston with `config` on `socket`. */
export function westonArgs(
  options: { config: string; socket: string; width: number; height: number },
): string[] {
  return [
    `--config=${options.config}`,
    "--backend=headless-backend.so",
    // The headless backend renders nothing without a renderer; pixman draws
    // in software, so screenshots hold what clients drew.
    "--use-pixman",
    // weston only offers the screenshooter protocol in debug mode.
    "--debug",
    `--socket=${options.socket}`,
    `--width=${options.width}`,
    `--height=${options.height}`,
    "--idle-time=0",
  ];
}

/** Starts weston and waits until its socket exists. */
export async function startWestonHeadless(
  options: WestonOptions = {},
): Promise<WestonHeadless> {
  const display = "wayland-test";
  const daemon = await startPrivateDaemon(
    "qubesify-weston-",
    async ({ root, runtimeDir }) => {
      const config = join(root, "weston.ini");
      await Deno.writeTextFile(config, WESTON_INI);
      return {
        program: "weston",
        args: westonArgs({
          config,
          socket: display,
          width: options.width ?? 640,
          height: options.height ?? 480,
        }),
        env: { XDG_RUNTIME_DIR: runtimeDir },
        ready: () => socketExists(join(runtimeDir, display)),
      };
    },
  );
  const { root, runtimeDir, stop } = daemon;
  const env = { WAYLAND_DISPLAY: display, XDG_RUNTIME_DIR: runtimeDir };
  let shots = 0;
  const screenshot = () => takeScreenshot(join(root, `shot-${shots++}`), env);
  return {
    runtimeDir,
    display,
    env,
    screenshot,
    async screenshotUntil(predicate, poll = {}) {
      const deadline = Date.now() + (poll.timeoutMs ?? 10_000);
      while (true) {
        const image = await screenshot();
        if (predicate(image)) return { image, matched: true };
        if (Date.now() >= deadline) return { image, matched: false };
        await new Promise((resolve) =>
          setTimeout(resolve, poll.intervalMs ?? 200)
        );
      }
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/**
 * weston-screenshooter names its PNG after the time and writes it into
 * its working folder, so each shot gets a fresh folder and reads back the
 * one file in it.
 */
async function takeScreenshot(
  dir: string,
  env: Record<string, string>,
): Promise<RgbImage> {
  await Deno.mkdir(dir);
  try {
    const result = await capture({
      program: "weston-screenshooter",
      cwd: dir,
      env,
      timeoutMs: 10_000,
    });
    if (result.code !== 0) {
      throw new Error(
        `weston-screenshooter ${
          result.timedOut ? "timed out" : `exited with ${result.code}`
        }: ${result.stderr.trim()}`,
      );
    }
    const pngs: string[] = [];
    for await (const entry of Deno.readDir(dir)) {
      if (entry.name.endsWith(".png")) pngs.push(entry.name);
    }
    if (pngs.length !== 1) {
      throw new Error(
        `weston-screenshooter wrote ${pngs.length} PNG files, 1 expected`,
      );
    }
    return decodePng(await Deno.readFile(join(dir, pngs[0])));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
