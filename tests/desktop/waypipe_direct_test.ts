import assert from "node:assert/strict";
import { join } from "node:path";
import { WAYPIPE_COMPRESS } from "../../lib/guest/mod.ts";
import { showsWindow, vividRegion } from "./pixels.ts";
import { owning } from "./owning.ts";
import { exitWithin } from "./process_group.ts";
import { skipUnless } from "./programs.ts";
import { startTestWaypipeClient, startWaypipeServer } from "./waypipe.ts";
import { startWestonHeadless } from "./weston_headless.ts";

const ignore = await skipUnless([
  "weston",
  "weston-screenshooter",
  "weston-simple-shm",
  "waypipe",
]);

/**
 * A headless weston, and weston-simple-shm under a waypipe server that
 * reaches it through a waypipe client, each end with its own compression.
 */
async function startWaypipePair(compress: { client: string; server: string }) {
  await using stack = new AsyncDisposableStack();
  const weston = stack.use(await startWestonHeadless());
  const runtimeDir = await Deno.makeTempDir({ prefix: "qubesify-guest-" });
  stack.defer(() => Deno.remove(runtimeDir, { recursive: true }));
  const socket = join(weston.runtimeDir, "vm-wayland.sock");
  stack.use(
    await startTestWaypipeClient({
      socket,
      compress: compress.client,
      env: weston.env,
    }),
  );
  const server = stack.use(
    await startWaypipeServer({
      socket,
      compress: compress.server,
      command: ["weston-simple-shm"],
      runtimeDir,
    }),
  );
  return owning(stack, { weston, server });
}

Deno.test({
  name: "waypipe: weston-simple-shm under a waypipe server shows in weston",
  ignore,
  async fn() {
    await using pair = await startWaypipePair({
      client: WAYPIPE_COMPRESS,
      server: WAYPIPE_COMPRESS,
    });
    const { image, matched } = await pair.weston.screenshotUntil(showsWindow);
    assert.ok(matched, `no window: ${JSON.stringify(vividRegion(image))}`);
    // The window goes with its server: the check sees what is live.
    await pair.server.stop();
    const gone = await pair.weston.screenshotUntil((shot) =>
      !showsWindow(shot)
    );
    assert.ok(gone.matched, "the window stayed after its server stopped");
  },
});

Deno.test({
  name: "waypipe: with different compression on the two ends, no window shows",
  ignore,
  async fn() {
    await using pair = await startWaypipePair({
      client: "lz4",
      server: "none",
    });
    // The ends disagree on the first message and the server gives up.
    const ended = await exitWithin(pair.server, 10_000);
    const { stderr } = await pair.server.stop();
    assert.ok(ended, "the mismatched waypipe server is still running");
    assert.notEqual(ended.code, 0, stderr);
    const { matched } = await pair.weston.screenshotUntil(showsWindow, {
      timeoutMs: 1_000,
    });
    assert.equal(matched, false);
  },
});
