/**
 * Graphics through the relay, for real: weston-simple-shm under a waypipe
 * server (the guest's end) → a UNIX stand-in for a VM's vsock port 7000 →
 * the dispatcher, which looks the VM up → that VM's waypipe client →
 * headless weston, whose screenshot must show the window.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { WAYPIPE_COMPRESS } from "../lib/guest/mod.ts";
import { showsWindow, vividRegion } from "./desktop/pixels.ts";
import { exitWithin } from "./desktop/process_group.ts";
import { owning } from "./desktop/owning.ts";
import { skipUnless } from "./desktop/programs.ts";
import {
  APP_CID,
  assertAllRefused,
  refusals,
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
  await using stack = new AsyncDisposableStack();
  const weston = stack.use(await startWestonHeadless());
  const dir = await Deno.makeTempDir({ prefix: "qubesify-graphics-" });
  stack.defer(() => Deno.remove(dir, { recursive: true }));
  const clientSocket = join(dir, "app-wayland.sock");
  stack.use(
    await startTestWaypipeClient({
      socket: clientSocket,
      compress: WAYPIPE_COMPRESS,
      env: weston.env,
    }),
  );
  const { relay, decisions, standIn } = await startThreeVmDispatcher({
    dir,
    service: "wayland",
    socket: clientSocket,
  });
  stack.defer(() => relay.close());
  // The guest apps it starts later stop with the rest.
  const apps = stack.use(new AsyncDisposableStack());
  /** Runs weston-simple-shm in "VM" `cid`, through its stand-in. */
  const guestApp = async (cid: number) => {
    const runtimeDir = join(dir, `guest-${cid}`);
    await Deno.mkdir(runtimeDir, { mode: 0o700 });
    return apps.use(
      await startWaypipeServer({
        socket: standIn(cid),
        compress: WAYPIPE_COMPRESS,
        command: ["weston-simple-shm"],
        runtimeDir,
      }),
    );
  };
  return owning(stack, { weston, clientSocket, decisions, guestApp });
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

for (const { who, cid, reason } of refusals("wayland")) {
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
      assertAllRefused(
        setup.decisions,
        { cid, service: "wayland", reason },
        `; waypipe: ${stderr}`,
      );
      // The same desktop takes the allowed VM's window: the refusal was the
      // policy's, not a broken setup.
      await setup.guestApp(APP_CID);
      const allowed = await setup.weston.screenshotUntil(showsWindow);
      assert.ok(allowed.matched, "the allowed VM's window did not show");
    },
  });
}
