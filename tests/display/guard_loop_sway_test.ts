/**
 * The display guard's loop on sway, where a seat can have a keyboard: the
 * keymap the compositor sends `wayland-info` with an fd reaches it through
 * the pass-through guard.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type GuardConnectionEnd,
  startDisplayGuard,
} from "../../lib/display/mod.ts";
import {
  eventually,
  TEST_GUARD_CONFIG,
} from "../../lib/display/_test_guard.ts";
import {
  type ClientEnv,
  describeExit,
  runClient,
  skipUnless,
  startProcessGroup,
  startSway,
} from "../desktop/mod.ts";

const ignore = await skipUnless(["sway", "swaymsg", "wayland-info", "wtype"]);

/** The lines wayland-info prints about the seat. */
async function seatLines(env: ClientEnv): Promise<string[]> {
  const result = await runClient(env, ["wayland-info"]);
  assert.equal(result.code, 0, `wayland-info ${describeExit(result)}`);
  const lines = result.stdout.split("\n");
  const seat = lines.findIndex((line) => line.includes("'wl_seat'"));
  assert.ok(seat >= 0, "no wl_seat");
  const end = lines.findIndex((line, i) => i > seat && !line.startsWith("\t"));
  return lines.slice(seat + 1, end < 0 ? undefined : end);
}

Deno.test({
  name:
    "display guard loop: wayland-info gets sway's keymap fd through the guard",
  ignore,
  async fn() {
    await using sway = await startSway({ width: 320, height: 240 });
    const dir = await Deno.makeTempDir({ prefix: "qubesify-guard-test-" });
    try {
      const ended: GuardConnectionEnd[] = [];
      await using guard = await startDisplayGuard({
        listenPath: join(dir, "guard.sock"),
        compositorPath: sway.env.WAYLAND_DISPLAY,
        config: { ...TEST_GUARD_CONFIG, passThrough: true },
        onConnectionEnd: (end) => ended.push(end),
      });
      // The headless seat has a keyboard while a virtual one exists.
      await using _keyboard = await startProcessGroup({
        program: "wtype",
        args: ["-s", "30000", "a"],
        env: { ...sway.env },
      });
      const straight = await eventually(
        async () => {
          const lines = await seatLines(sway.env);
          return lines.some((line) => line.includes("keyboard repeat"))
            ? lines
            : undefined;
        },
        "a keyboard on sway's seat",
      );
      // libwayland drops a client whose keymap event comes without its fd,
      // so the keyboard lines show the fd arrived.
      const guarded = await seatLines({
        ...sway.env,
        WAYLAND_DISPLAY: guard.path,
      });
      assert.deepEqual(guarded, straight);
      const [end] = await eventually(
        () => ended.length > 0 ? ended : undefined,
        "the connection's end",
      );
      // The keymap: the only fd sway sends wayland-info.
      assert.equal(end.fdsFromServer, 1, JSON.stringify(end));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
