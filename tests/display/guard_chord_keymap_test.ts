/**
 * The clipboard chords follow the keyboard's keymap, read by the guard
 * from the keymap fd the compositor sends: wtype's virtual keyboard puts
 * V on a key of its own (code 1, nowhere near the US V), and its
 * Ctrl+Shift+V still hands the host's selection to the focused window
 * behind the guard.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  type ClientEnv,
  describeExit,
  runClient,
  skipUnless,
  startProcessGroup,
  startSway,
} from "../desktop/mod.ts";
import { startGuardedDisplay } from "./guarded_display.ts";
import { announcedGlobals, RawWaylandClient } from "./raw_wayland_client.ts";
import { openRawWindow } from "./raw_window.ts";

const ignore = await skipUnless(["sway", "wtype", "wl-copy", "swaymsg"]);

/** Until sway lists a keyboard among its inputs. */
async function waitForKeyboard(
  sway: { env: ClientEnv; ipcSocket: string },
): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    const inputs = await runClient(sway.env, [
      "swaymsg",
      "-s",
      sway.ipcSocket,
      "-t",
      "get_inputs",
    ], {
      timeoutMs: 5_000,
    });
    if (inputs.stdout.includes('"type": "keyboard"')) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("sway never got a keyboard");
}

Deno.test({
  name:
    "display guard: Ctrl+Shift+V from a keyboard with its own keymap pastes the host's selection",
  ignore,
  async fn() {
    await using sway = await startSway();
    await using guarded = await startGuardedDisplay(sway);
    // A keyboard for the seat first: wlroots of sway 1.7 ignores a
    // get_keyboard on a seat without one (and the client's next new id
    // then skips ahead), so the window asks only once one exists.
    await using _keyboard = await startProcessGroup({
      program: "wtype",
      args: ["-s", "30000", "x"],
      env: { ...sway.env },
    });
    await waitForKeyboard(sway);
    using client = RawWaylandClient.connect(guarded.guard.path);
    await openRawWindow(client, { width: 200, height: 150, colour: "#336699" });
    const registry = client.create("wl_registry");
    client.request(1, "get_registry", [registry]);
    const globals = announcedGlobals(await client.roundTrip());
    const bind = (iface: string, version: number) => {
      const global = globals.find((g) => g.interface === iface)!;
      const id = client.create(iface);
      client.request(registry, "bind", [global.name, {
        interface: iface,
        version: Math.min(version, global.version),
        id,
      }]);
      return id;
    };
    const seat = bind("wl_seat", 5);
    const manager = bind("wl_data_device_manager", 3);
    const keyboard = client.create("wl_keyboard");
    client.request(seat, "get_keyboard", [keyboard]);
    const device = client.create("wl_data_device");
    client.request(manager, "get_data_device", [device, seat]);
    await client.roundTrip();
    await using _copier = await startProcessGroup({
      program: "wl-copy",
      args: ["--foreground", "--", "from the host"],
      env: { ...sway.env },
    });
    const chord = await runClient(sway.env, [
      "wtype",
      "-M",
      "ctrl",
      "-M",
      "shift",
      "v",
      "-m",
      "shift",
      "-m",
      "ctrl",
    ], { timeoutMs: 10_000 });
    assert.equal(chord.code, 0, describeExit(chord));
    const pasted = await client.pump((event) =>
      event.id === device && event.name === "selection" &&
      event.args?.[0] !== 0
    );
    assert.ok(
      pasted.matched,
      `no selection after the chord: ${
        pasted.events.map((e) => `${e.iface}.${e.name}`).join(" ")
      }\n${guarded.log.join("\n")}`,
    );
    const keys = pasted.events.filter((e) =>
      e.id === keyboard && e.name === "key"
    );
    assert.deepEqual(keys, [], "the chord's keys never reach the window");
  },
});
