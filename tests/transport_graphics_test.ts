/**
 * Graphics through the relay, for real: weston-simple-shm under a waypipe
 * server (the guest's end) → a UNIX stand-in for a VM's vsock port 7000 →
 * the dispatcher, which looks the VM up → that VM's waypipe client →
 * headless weston, whose screenshot must show the window.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { WAYPIPE_COMPRESS } from "../lib/vm/host_services.ts";
import { showsWindow, vividRegion } from "./desktop/pixels.ts";
import { exitWithin } from "./desktop/process_group.ts";
import { skipUnless } from "./desktop/programs.ts";
import {
  APP_CID,
  OTHER_CID,
  STALE_CID,
  startThreeVmDispatcher,
} from "./desktop/three_vm_dispatcher.ts";
import {
  startTestWaypipeClient,
  startWaypipeServer,
} from "./desktop/waypipe.ts";
import { startWestonHeadless } from "./desktop/weston_headless.ts";

const ignore = await skipUnless([
  "weston",
  "weston-screenshooter",
  "weston-simple-shm",
  "waypipe",
]);

/**
 * weston, the app VM's waypipe client on it, and a dispatcher reading the
 * runtime registry as `qubesify run` leaves it, with a stand-in for port
 * 7000 of each VM: "app" may use its client's socket; "other" (a running
 * VM with no display) may not; "gone" names the socket too, but its QEMU
 * has exited, so its record must not be believed.
 */
async function graphicsSetup() {
  const weston = await startWestonHeadless();
  const dir = await Deno.makeTempDir({ prefix: "qubesify-graphics-" });
  const stops: (() => Promise<unknown>)[] = [
    () => weston.stop(),
    () => Deno.remove(dir, { recursive: true }),
  ];
  const stop = async () => {
    for (const step of stops.reverse()) await step();
    stops.length = 0;
  };
  try {
    const clientSocket = join(dir, "app-wayland.sock");
    const client = await startTestWaypipeClient({
      socket: clientSocket,
      compress: WAYPIPE_COMPRESS,
      env: weston.env,
    });
    stops.push(() => client.stop());
    const { relay, decisions, standIn } = await startThreeVmDispatcher({
      dir,
      service: "wayland",
      socket: clientSocket,
    });
    stops.push(() => relay.close());
    /** Runs weston-simple-shm in "VM" `cid`, through its stand-in. */
    const guestApp = async (cid: number) => {
      const runtimeDir = join(dir, `guest-${cid}`);
      await Deno.mkdir(runtimeDir, { mode: 0o700 });
      const server = await startWaypipeServer({
        socket: standIn(cid),
        compress: WAYPIPE_COMPRESS,
        command: ["weston-simple-shm"],
        runtimeDir,
      });
      stops.push(() => server.stop());
      return server;
    };
    return {
      weston,
      clientSocket,
      decisions,
      guestApp,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

Deno.test({
  name: "graphics: a VM's window reaches the compositor through the dispatcher",
  ignore,
  async fn() {
    await using setup = await graphicsSetup();
    await setup.guestApp(APP_CID);
    const { image, matched } = await setup.weston.screenshotUntil(showsWindow);
    assert.ok(matched, `no window: ${JSON.stringify(vividRegion(image))}`);
    const allowed = setup.decisions.filter((d) => d.decision === "allow");
    assert.ok(allowed.length >= 1, JSON.stringify(setup.decisions));
    for (const decision of allowed) {
      assert.equal(decision.cid, APP_CID);
      assert.equal(decision.vm, "app");
      assert.equal(decision.service, "wayland");
      assert.equal(decision.target, `unix:${setup.clientSocket}`);
    }
    assert.equal(setup.decisions.length, allowed.length);
  },
});

for (
  const { who, cid, reason } of [
    {
      who: "a VM not allowed the display",
      cid: OTHER_CID,
      reason: /other may not use wayland/,
    },
    { who: "a stale record's CID", cid: STALE_CID, reason: /unknown CID 7/ },
  ]
) {
  Deno.test({
    name: `graphics: ${who} is refused, and its window never shows`,
    ignore,
    async fn() {
      await using setup = await graphicsSetup();
      const intruder = await setup.guestApp(cid);
      // Its connection is closed unanswered, and waypipe 0.8.4 gives up.
      const ended = await exitWithin(intruder, 10_000);
      const { stderr } = await intruder.stop();
      assert.ok(ended, "the refused VM's waypipe server is still running");
      assert.notEqual(ended.code, 0, stderr);
      const { matched } = await setup.weston.screenshotUntil(showsWindow, {
        timeoutMs: 1_000,
      });
      assert.equal(matched, false, "the refused VM's window is on screen");
      assert.ok(setup.decisions.length >= 1, `no decision; waypipe: ${stderr}`);
      for (const decision of setup.decisions) {
        assert.equal(decision.decision, "deny");
        assert.equal(decision.cid, cid);
        assert.equal(decision.service, "wayland");
        assert.equal(decision.target, undefined);
        assert.match(decision.reason ?? "", reason);
      }
      // The same desktop takes the allowed VM's window: the refusal was the
      // policy's, not a broken setup.
      await setup.guestApp(APP_CID);
      const allowed = await setup.weston.screenshotUntil(showsWindow);
      assert.ok(allowed.matched, "the allowed VM's window did not show");
    },
  });
}
