import assert from "node:assert/strict";
import { join } from "node:path";
import { WAYPIPE_COMPRESS } from "../../lib/vm/host_services.ts";
import { showsWindow, vividRegion } from "./pixels.ts";
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

Deno.test({
  name: "waypipe: weston-simple-shm under a waypipe server shows in weston",
  ignore,
  async fn() {
    await using weston = await startWestonHeadless();
    const guestRuntime = await Deno.makeTempDir({ prefix: "qubesify-guest-" });
    try {
      const socket = join(weston.runtimeDir, "vm-wayland.sock");
      await using _client = await startTestWaypipeClient({
        socket,
        compress: WAYPIPE_COMPRESS,
        env: weston.env,
      });
      await using server = await startWaypipeServer({
        socket,
        compress: WAYPIPE_COMPRESS,
        command: ["weston-simple-shm"],
        runtimeDir: guestRuntime,
      });
      const { image, matched } = await weston.screenshotUntil(showsWindow);
      assert.ok(matched, `no window: ${JSON.stringify(vividRegion(image))}`);
      // The window goes with its server: the check sees what is live.
      await server.stop();
      const gone = await weston.screenshotUntil((shot) => !showsWindow(shot));
      assert.ok(gone.matched, "the window stayed after its server stopped");
    } finally {
      await Deno.remove(guestRuntime, { recursive: true });
    }
  },
});

Deno.test({
  name: "waypipe: with different compression on the two ends, no window shows",
  ignore,
  async fn() {
    await using weston = await startWestonHeadless();
    const guestRuntime = await Deno.makeTempDir({ prefix: "qubesify-guest-" });
    try {
      const socket = join(weston.runtimeDir, "vm-wayland.sock");
      await using _client = await startTestWaypipeClient({
        socket,
        compress: "lz4",
        env: weston.env,
      });
      await using server = await startWaypipeServer({
        socket,
        compress: "none",
        command: ["weston-simple-shm"],
        runtimeDir: guestRuntime,
      });
      // The ends disagree on the first message and the server gives up.
      const ended = await exitWithin(server, 10_000);
      const { stderr } = await server.stop();
      assert.ok(ended, "the mismatched waypipe server is still running");
      assert.notEqual(ended.code, 0, stderr);
      const { matched } = await weston.screenshotUntil(showsWindow, {
        timeoutMs: 1_000,
      });
      assert.equal(matched, false);
    } finally {
      await Deno.remove(guestRuntime, { recursive: true });
    }
  },
});
