import assert from "node:assert/strict";
import { startSimpleShm } from "./clients.ts";
import { showsWindow, vividRegion } from "./pixels.ts";
import { skipUnless } from "./programs.ts";
import { startWestonHeadless } from "./weston_headless.ts";

const ignore = await skipUnless([
  "weston",
  "weston-screenshooter",
  "weston-simple-shm",
]);

Deno.test({
  name: "weston headless: a bare desktop shows no window",
  ignore,
  async fn() {
    await using weston = await startWestonHeadless({ width: 320, height: 240 });
    const image = await weston.screenshot();
    assert.equal(image.width, 320);
    assert.equal(image.height, 240);
    assert.equal(vividRegion(image).count, 0);
    assert.equal(showsWindow(image), false);
  },
});

Deno.test({
  name: "weston headless: weston-simple-shm's window shows in a screenshot",
  ignore,
  async fn() {
    await using weston = await startWestonHeadless();
    await using _client = await startSimpleShm(weston.env);
    const { image, matched } = await weston.screenshotUntil(showsWindow);
    assert.ok(matched, `no window: ${JSON.stringify(vividRegion(image))}`);
  },
});

Deno.test({
  name: "weston headless: stopping removes its runtime folder",
  ignore,
  async fn() {
    const weston = await startWestonHeadless({ width: 64, height: 64 });
    await weston.stop();
    await assert.rejects(Deno.stat(weston.runtimeDir), Deno.errors.NotFound);
  },
});
