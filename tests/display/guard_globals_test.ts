/**
 * What a client sees of each compositor through the display guard:
 * `wayland-info` lists exactly the compositor's globals that are on the
 * allow-list, under the compositor's own names, each at the compositor's
 * version or the highest the guard's table knows, whichever is lower;
 * every other global is missing, and the guard says so in its log.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { protocolInterface } from "../../lib/display/mod.ts";
import {
  type ClientEnv,
  listGlobals,
  skipUnless,
  startMutter,
  startSway,
  startWestonHeadless,
  type WaylandGlobal,
} from "../desktop/mod.ts";
import { startGuardedDisplay } from "./guarded_display.ts";

const ignoreWeston = await skipUnless(["weston", "wayland-info"]);
const ignoreSway = await skipUnless(["sway", "swaymsg", "wayland-info"]);
const ignoreMutter = await skipUnless([
  "mutter",
  "dbus-run-session",
  "wayland-info",
]);

/**
 * Lists the globals straight and through a guard in front of `socket`,
 * checks the guarded list, and returns the names the guard hid.
 */
async function checkGuardedGlobals(
  socket: string,
  env: ClientEnv,
): Promise<string[]> {
  await using guarded = await startGuardedDisplay({ socket, env });
  const allowed = new Set(guarded.config.globals.allow);
  const straight = await listGlobals(env);
  const through = await listGlobals(guarded.env);
  const expected: WaylandGlobal[] = straight
    .filter((global) => allowed.has(global.interface))
    .map((global) => ({
      ...global,
      version: Math.min(
        global.version,
        protocolInterface(global.interface)!.version,
      ),
    }));
  assert.deepEqual(through, expected);
  const hidden = straight.filter((global) => !allowed.has(global.interface))
    .map((global) => global.interface);
  // Each compositor offers something an app must not have.
  assert.ok(hidden.length > 0, "the compositor offered nothing to hide");
  const log = guarded.log.join("\n");
  for (const name of hidden) assert.ok(log.includes(name), log);
  assert.equal(
    (await guarded.end()).reason,
    "client closed the connection",
  );
  return hidden;
}

Deno.test({
  name:
    "display guard: weston's globals through the guard are the allowed ones",
  ignore: ignoreWeston,
  async fn() {
    await using weston = await startWestonHeadless();
    const hidden = await checkGuardedGlobals(
      join(weston.runtimeDir, weston.display),
      weston.env,
    );
    assert.ok(hidden.includes("weston_screenshooter"));
  },
});

Deno.test({
  name: "display guard: sway's globals through the guard are the allowed ones",
  ignore: ignoreSway,
  async fn() {
    await using sway = await startSway();
    const hidden = await checkGuardedGlobals(sway.socket, sway.env);
    for (
      const name of [
        "zwlr_screencopy_manager_v1",
        "zwlr_data_control_manager_v1",
        "zwp_virtual_keyboard_manager_v1",
        "zwlr_layer_shell_v1",
        "zwlr_foreign_toplevel_manager_v1",
      ]
    ) {
      assert.ok(hidden.includes(name), `${name} was not hidden`);
    }
  },
});

Deno.test({
  name:
    "display guard: mutter's globals through the guard are the allowed ones",
  ignore: ignoreMutter,
  async fn() {
    await using mutter = await startMutter();
    const hidden = await checkGuardedGlobals(mutter.socket, mutter.env);
    assert.ok(hidden.includes("gtk_shell1"));
  },
});
