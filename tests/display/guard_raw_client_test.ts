/**
 * Clients that break the rules on purpose, written byte by byte
 * (raw_wayland_client.ts), against the display guard on sway:
 *
 * - binding a global the guard hid, by the number sway gave it (read
 *   from `wayland-info` straight on sway), ends the connection, whatever
 *   interface the bind claims; the same bind straight on sway works;
 * - addressing the guard's own objects (the frame it drew around the
 *   client's window) ends the connection: the guard, not sway, refuses,
 *   and its log names the id.
 *
 * @module
 */
import assert from "node:assert/strict";
import { eventually } from "../../lib/display/_test_guard.ts";
import { listGlobals, skipUnless, startSway } from "../desktop/mod.ts";
import { parseColour } from "../../lib/display/mod.ts";
import { framedWindow } from "./frame_pixels.ts";
import { GUARDED_VM, startGuardedDisplay } from "./guarded_display.ts";
import { floatNewWindows } from "./sway_command.ts";
import { announcedGlobals, RawWaylandClient } from "./raw_wayland_client.ts";
import { openRawWindow } from "./raw_window.ts";

const ignore = await skipUnless(["sway", "swaymsg", "wayland-info", "grim"]);

/** Globals sway offers that the guard hides. */
const HIDDEN = [
  "zwlr_screencopy_manager_v1",
  "zwp_virtual_keyboard_manager_v1",
  "zwlr_data_control_manager_v1",
];

/** Binds global `name` as `iface` v1 on a fresh client of `path`. */
async function bindByNumber(
  path: string,
  name: number,
  iface: string,
): Promise<{ closed: boolean; announced: number[] }> {
  using client = RawWaylandClient.connect(path);
  const registry = client.create("wl_registry");
  client.request(1, "get_registry", [registry]);
  const announced = announcedGlobals(await client.roundTrip()).map((global) =>
    global.name
  );
  const id = client.create(iface);
  client.request(registry, "bind", [name, {
    interface: iface,
    version: 1,
    id,
  }]);
  const callback = client.sync();
  // An answered sync: the bind went through; end of file: refused.
  const pumped = await client.pump((event) => event.id === callback);
  return { closed: pumped.closed, announced };
}

Deno.test({
  name:
    "display guard: a raw client binding a hidden global by its number is disconnected",
  ignore,
  async fn() {
    await using sway = await startSway();
    await using guarded = await startGuardedDisplay(sway);
    const globals = await listGlobals(sway.env);
    let ends = 0;
    for (const iface of HIDDEN) {
      const { name } = globals.find((global) => global.interface === iface)!;
      const straight = await bindByNumber(sway.socket, name, iface);
      assert.ok(!straight.closed, `sway refused ${iface}`);
      assert.ok(straight.announced.includes(name));
      // As itself, or disguised as a global the guard allows.
      for (const claimed of [iface, "wl_output"]) {
        const through = await bindByNumber(guarded.guard.path, name, claimed);
        assert.ok(!through.announced.includes(name), `${iface} was announced`);
        assert.ok(through.closed, `the guard let ${claimed} ${name} through`);
        const end = await guarded.end(++ends);
        assert.match(end.reason, new RegExp(`global ${name}\\b`));
        assert.ok(
          guarded.log.some((line) => line.includes(end.reason)),
          guarded.log.join("\n"),
        );
      }
    }
  },
});

const WINDOW = { width: 200, height: 150, colour: "#0000ff" };
/** How far past the client's own ids the attack looks for the guard's. */
const PROBED_IDS = 30;

Deno.test({
  name:
    "display guard: a raw client addressing the guard's frame objects is disconnected",
  ignore,
  async fn() {
    await using sway = await startSway();
    await floatNewWindows(sway);
    await using guarded = await startGuardedDisplay(sway);
    const frame = parseColour(GUARDED_VM.colour);
    let ends = 0;
    // The guard's frame, four strips of four objects and more, has server
    // ids just past the client's; each probe takes a connection of its own.
    let first: number | undefined;
    for (let probe = 0; probe < PROBED_IDS; probe++) {
      using client = RawWaylandClient.connect(guarded.guard.path);
      const window = await openRawWindow(client, WINDOW);
      first ??= client.nextId;
      if (probe === 0) {
        // The frame is there to be addressed.
        await eventually(async () => {
          const shown = framedWindow(await sway.screenshot(), frame);
          return shown?.width === WINDOW.width ? shown : undefined;
        }, "the frame around the raw window");
      }
      const target = first + probe;
      // An 8-byte request with opcode 0: destroy, for surfaces, sub-surfaces,
      // buffers and regions alike. Every fifth probe names the id as the
      // buffer to attach instead.
      if (probe % 5 === 4) {
        client.request(window.surface, "attach", [target, 0, 0]);
      } else {
        const bytes = new Uint8Array(8);
        const view = new DataView(bytes.buffer);
        view.setUint32(0, target, true);
        view.setUint32(4, 8 << 16, true);
        client.sendRaw(bytes);
      }
      const callback = client.sync();
      const pumped = await client.pump((event) => event.id === callback);
      assert.ok(pumped.closed, `the guard let a request to ${target} through`);
      const end = await guarded.end(++ends);
      assert.match(end.reason, new RegExp(`\\b${target}\\b`));
      assert.doesNotMatch(end.reason, /compositor/);
    }
  },
});
