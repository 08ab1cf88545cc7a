/**
 * The hostile clients of the issue, on sway, where the protocols they use
 * exist: each test runs the command straight on sway, where it succeeds
 * (so the test can fail), and through the display guard, where it must
 * fail: `grim` cannot capture the screen, `wtype` cannot type into
 * another window, `wl-paste` cannot read the clipboard without focus, nor
 * with the focus until the user asks (with `clipboard: shared` it can).
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  clipboardRoundTrip,
  describeExit,
  grabScreen,
  runClient,
  skipUnless,
  startProcessGroup,
  startSway,
  typeInto,
} from "../desktop/mod.ts";
import { startGuardedDisplay } from "./guarded_display.ts";

const ignore = await skipUnless([
  "sway",
  "swaymsg",
  "grim",
  "wtype",
  "foot",
  "wl-copy",
  "wl-paste",
]);

Deno.test({
  name:
    "display guard: grim captures sway's screen straight, not through the guard",
  ignore,
  async fn() {
    await using sway = await startSway();
    await using guarded = await startGuardedDisplay(sway);
    const straight = await grabScreen(sway.env);
    assert.equal(straight.result.code, 0, describeExit(straight.result));
    assert.deepEqual([straight.image?.width, straight.image?.height], [
      sway.width,
      sway.height,
    ]);
    const through = await grabScreen(guarded.env);
    assert.notEqual(through.result.code, 0);
    assert.equal(through.image, undefined);
    assert.match(through.result.stderr, /screencopy/);
  },
});

Deno.test({
  name:
    "display guard: wtype types into a terminal straight, not through the guard",
  ignore,
  async fn() {
    await using sway = await startSway();
    await using guarded = await startGuardedDisplay(sway);
    const straight = await typeInto({ sway, text: "straight" });
    assert.equal(straight.wtype.code, 0, describeExit(straight.wtype));
    assert.equal(straight.received, "straight");
    const through = await typeInto({
      sway,
      typist: guarded.env,
      text: "guarded",
      waitMs: 1_000,
    });
    assert.notEqual(through.wtype.code, 0);
    assert.match(through.wtype.stderr, /virtual keyboard/i);
    assert.equal(through.received, undefined);
  },
});

Deno.test({
  name:
    "display guard: wl-paste reads the clipboard straight, through the guard only when the recipe shares it",
  ignore,
  async fn() {
    await using sway = await startSway();
    await using explicit = await startGuardedDisplay(sway);
    await using shared = await startGuardedDisplay({
      ...sway,
      config: { clipboard: "shared" },
    });
    // Without data control, wl-paste maps a surface to get the keyboard
    // focus, and a seat has a keyboard only while a virtual one exists.
    await using _keyboard = await startProcessGroup({
      program: "wtype",
      args: ["-s", "30000", "a"],
      env: { ...sway.env },
    });
    const straight = await clipboardRoundTrip({
      copier: sway.env,
      text: "straight secret",
    });
    assert.equal(
      straight.pasted,
      "straight secret",
      describeExit(straight.paste),
    );
    const allowed = await clipboardRoundTrip({
      copier: sway.env,
      paster: shared.env,
      text: "shared secret",
    });
    assert.equal(allowed.pasted, "shared secret", describeExit(allowed.paste));
    // Focus alone hands a VM nothing: the selection waits for the chord.
    const withheld = await clipboardRoundTrip({
      copier: sway.env,
      paster: explicit.env,
      text: "guarded secret",
    });
    assert.equal(withheld.copyExit, undefined, "wl-copy stopped serving");
    assert.equal(withheld.pasted, undefined, describeExit(withheld.paste));
    assert.doesNotMatch(withheld.paste.stderr, /no keyboard/);
  },
});

Deno.test({
  name:
    "display guard: wl-paste --watch sees the clipboard straight, not through the guard",
  ignore,
  async fn() {
    await using sway = await startSway();
    await using guarded = await startGuardedDisplay(sway);
    await using _copier = await startProcessGroup({
      program: "wl-copy",
      args: ["--foreground", "--", "watched secret"],
      env: { ...sway.env },
    });
    // Straight, it runs until killed and prints each selection.
    const watch = ["wl-paste", "--no-newline", "--watch", "cat"];
    const straight = await runClient(sway.env, watch, { timeoutMs: 2_000 });
    assert.ok(straight.timedOut, describeExit(straight));
    assert.match(straight.stdout, /watched secret/);
    const through = await runClient(guarded.env, watch, { timeoutMs: 2_000 });
    assert.ok(!through.timedOut, "wl-paste --watch kept running");
    assert.notEqual(through.code, 0);
    assert.equal(through.stdout, "");
  },
});
