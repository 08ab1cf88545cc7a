import assert from "node:assert/strict";
import { join } from "node:path";
import { evdevKeymap, startEvdevKeyboard } from "./evdev_keyboard.ts";
import { startFoot } from "./foot.ts";
import { skipUnless } from "./programs.ts";
import { startSway } from "./sway_headless.ts";
import { focusedWindow } from "./sway_tree.ts";

Deno.test("evdevKeymap: each key at its evdev code plus 8", () => {
  const keymap = evdevKeymap();
  assert.match(keymap, /<K47> = 55;/);
  assert.match(keymap, /key <K47> \{ \[ v, V \] \};/);
  assert.match(keymap, /modifier_map Control \{ <K29> \};/);
});

Deno.test({
  name: "evdev keyboard: a terminal on sway reads the keys it presses",
  ignore: await skipUnless(["sway", "swaymsg", "foot"]),
}, async () => {
  await using sway = await startSway({ width: 320, height: 240 });
  await using keyboard = await startEvdevKeyboard(sway.env);
  const dir = await Deno.makeTempDir({ prefix: "qubesify-keyboard-test-" });
  try {
    const file = join(dir, "line");
    await using _terminal = await startFoot({
      env: sway.env,
      appId: "evdev-keyboard-test",
      command: ["sh", "-c", 'read -r line && echo "$line" > "$1"', "sh", file],
      ready: async () =>
        focusedWindow(await sway.tree())?.app_id === "evdev-keyboard-test",
    });
    await keyboard.press("v");
    await keyboard.press("shift", "c");
    await keyboard.press("return");
    let line: string | undefined;
    for (let tries = 0; tries < 100 && !line?.endsWith("\n"); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      line = await Deno.readTextFile(file).catch(() => undefined);
    }
    assert.equal(line, "vC\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
