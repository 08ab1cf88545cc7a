/**
 * Ordinary clients draw through the display guard, and the guard frames
 * their windows in the recipe's colour: on weston (weston-simple-shm) and
 * sway (foot) a screenshot taken straight from the compositor shows the
 * window with a 4-pixel band of that colour on all four sides; on mutter,
 * which offers no screenshots, foot runs through the guard and gets its
 * window configured (it draws only then: its buffers' fds went through).
 *
 * The frame is the guard's addition, not part of the window: a client
 * that sets no window geometry keeps the size it drew on sway.
 *
 * @module
 */
import assert from "node:assert/strict";
import { eventually } from "../../lib/display/_test_guard.ts";
import { join } from "node:path";
import { parseColour } from "../../lib/display/mod.ts";
import {
  exitWithin,
  listGlobals,
  type RgbImage,
  showsWindow,
  skipUnless,
  startFoot,
  startMutter,
  startSimpleShm,
  startSway,
  startWestonHeadless,
  type SwayHeadless,
  type SwayNode,
  windowsOf,
} from "../desktop/mod.ts";
import {
  colourBox,
  colourShare,
  FRAME_BAND,
  frameCoverage,
  framed,
  framedWindow,
  type Rect,
} from "./frame_pixels.ts";
import { GUARDED_VM, startGuardedDisplay } from "./guarded_display.ts";
import { floatNewWindows } from "./sway_command.ts";
import { RawWaylandClient } from "./raw_wayland_client.ts";
import { openRawWindow } from "./raw_window.ts";

const ignoreWeston = await skipUnless([
  "weston",
  "weston-screenshooter",
  "weston-simple-shm",
]);
const ignoreSway = await skipUnless(["sway", "swaymsg", "grim", "foot"]);
const ignoreMutter = await skipUnless([
  "mutter",
  "dbus-run-session",
  "foot",
  "wayland-info",
]);

const FRAME = parseColour(GUARDED_VM.colour);
/** weston-simple-shm's window is this many pixels square. */
const SIMPLE_SHM_SIZE = 250;

/** The 250-pixel window a frame surrounds in `image`, if one does. */
function framedSimpleShm(image: RgbImage): Rect | undefined {
  const window = framedWindow(image, FRAME);
  return window?.width === SIMPLE_SHM_SIZE &&
      window.height === SIMPLE_SHM_SIZE
    ? window
    : undefined;
}

Deno.test({
  name:
    "display guard: weston-simple-shm's window on weston has a frame of the recipe's colour",
  ignore: ignoreWeston,
  async fn() {
    await using weston = await startWestonHeadless();
    await using guarded = await startGuardedDisplay({
      socket: join(weston.runtimeDir, weston.display),
      env: weston.env,
    });
    await using _client = await startSimpleShm(guarded.env);
    // weston fades a new window in: the frame's colour is exact once done.
    const { image, matched } = await weston.screenshotUntil((shot) =>
      framedSimpleShm(shot) !== undefined
    );
    const box = colourBox(image, FRAME);
    assert.ok(
      matched,
      `no framed window; frame colour at ${JSON.stringify(box)}`,
    );
    const window = framedSimpleShm(image)!;
    // The frame is around the window, not over it: the rings show inside.
    assert.ok(colourShare(image, window, FRAME) < 0.05);
    assert.ok(showsWindow(image));
    assert.deepEqual(guarded.ended, []);
  },
});

/** The window of the guarded app on `sway`, once it is there. */
async function guardedWindow(sway: SwayHeadless): Promise<SwayNode> {
  return await eventually(
    async () =>
      windowsOf(await sway.tree()).find((window) =>
        window.app_id === `qubesify-${GUARDED_VM.app}`
      ),
    "the guarded window on sway",
  );
}

Deno.test({
  name:
    "display guard: foot's window on sway has a frame of the recipe's colour",
  ignore: ignoreSway,
  async fn() {
    await using sway = await startSway();
    // A tiled window fills the output and its frame would lie off screen.
    await floatNewWindows(sway);
    await using guarded = await startGuardedDisplay({
      socket: sway.socket,
      env: sway.env,
    });
    const background = { r: 0, g: 0, b: 255 };
    await using _foot = await startFoot({
      env: guarded.env,
      background: "0000ff",
    });
    const window = await guardedWindow(sway);
    assert.equal(window.type, "floating_con");
    // grim straight on sway: the guard hides screen capture from its own.
    let shot = await sway.screenshot();
    const image = await eventually(
      async () => {
        shot = await sway.screenshot();
        return colourShare(shot, window.rect, background) > 0.9 &&
            framed(frameCoverage(shot, window.rect, FRAME))
          ? shot
          : undefined;
      },
      () =>
        `a framed window at ${JSON.stringify(window.rect)}: ${
          JSON.stringify(frameCoverage(shot, window.rect, FRAME))
        }, background ${colourShare(shot, window.rect, background)}`,
    );
    // Nothing else on the screen has the frame's colour.
    assert.deepEqual(colourBox(image, FRAME), {
      x: window.rect.x - FRAME_BAND,
      y: window.rect.y - FRAME_BAND,
      width: window.rect.width + 2 * FRAME_BAND,
      height: window.rect.height + 2 * FRAME_BAND,
    });
    assert.deepEqual(guarded.ended, []);
  },
});

Deno.test({
  name: "display guard: foot runs on mutter through the guard and draws",
  ignore: ignoreMutter,
  async fn() {
    await using mutter = await startMutter();
    await using guarded = await startGuardedDisplay({
      socket: mutter.socket,
      env: mutter.env,
    });
    const foot = await startFoot({ env: guarded.env });
    try {
      // A client refused by the guard or the compositor exits.
      assert.equal(await exitWithin(foot, 2_000), undefined);
      assert.equal(guarded.guard.openConnections(), 1);
      // The guard still serves other clients meanwhile.
      assert.ok((await listGlobals(guarded.env)).length > 5);
    } finally {
      await foot.stop();
    }
    const ends = await eventually(
      () => guarded.ended.length >= 2 ? guarded.ended : undefined,
      "both connections to end",
    );
    for (const end of ends) {
      assert.equal(end.reason, "client closed the connection");
    }
    // foot makes its shm buffers only once its window is configured.
    assert.ok(
      ends.some((end) => end.fdsFromClient >= 1),
      JSON.stringify(ends),
    );
    assert.ok(
      !guarded.log.some((line) => /refus|closed: (?!client closed)/.test(line)),
      guarded.log.join("\n"),
    );
  },
});

Deno.test({
  name:
    "display guard: the frame leaves the size sway gives a window that sets no geometry",
  ignore: ignoreSway,
  async fn() {
    await using sway = await startSway();
    await floatNewWindows(sway);
    await using guarded = await startGuardedDisplay(sway);
    // xdg_surface: without set_window_geometry, a window is its surface
    // with every sub-surface, so the compositor counts the guard's strips
    // in unless the guard says where the window is.
    const size = { width: 200, height: 150 };
    const sizes = [];
    for (const path of [sway.socket, guarded.guard.path]) {
      {
        using client = RawWaylandClient.connect(path);
        await openRawWindow(client, { ...size, colour: "#0000ff" });
        const shown = await eventually(async () => {
          const [node] = windowsOf(await sway.tree());
          return node?.type === "floating_con" ? node : undefined;
        }, "the raw window, floating");
        sizes.push({ width: shown.rect.width, height: shown.rect.height });
      }
      await eventually(
        async () => windowsOf(await sway.tree()).length === 0 || undefined,
        "the raw window to go",
      );
    }
    // Straight, then through the guard.
    assert.deepEqual(sizes, [size, size]);
  },
});
