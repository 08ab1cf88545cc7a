/**
 * Screen capture the way a hostile client would do it: `grim` asks the
 * compositor for the whole output through `zwlr_screencopy_manager_v1`
 * (sway offers it to every client). Straight on sway it works; through
 * the display guard, which hides that global, it must fail.
 *
 * @module
 */
import { join } from "node:path";
import type { CaptureResult } from "../../lib/exec/mod.ts";
import { decodePng, type RgbImage } from "./png.ts";
import { type ClientEnv, describeExit, runClient } from "./run_client.ts";

/** How a `grim` run went. */
export interface ScreenGrab {
  /** grim's exit and output. */
  result: CaptureResult;
  /** The screenshot, when grim exited 0 and wrote a PNG. */
  image?: RgbImage;
}

/**
 * Runs `grim` on the display `env` names, writing into a temporary folder
 * that is removed afterwards, and decodes what it wrote.
 *
 * @example
 * ```ts
 * const { result, image } = await grabScreen(sway.env);
 * ```
 */
export async function grabScreen(env: ClientEnv): Promise<ScreenGrab> {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-grim-" });
  try {
    const file = join(dir, "screen.png");
    const result = await runClient(env, ["grim", file]);
    if (result.code !== 0) return { result };
    return { result, image: decodePng(await Deno.readFile(file)) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The screenshot `grim` takes on `env`'s display; throws when it fails. */
export async function screenshotWithGrim(env: ClientEnv): Promise<RgbImage> {
  const { result, image } = await grabScreen(env);
  if (!image) throw new Error(`grim ${describeExit(result)}`);
  return image;
}
