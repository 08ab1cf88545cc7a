import assert from "node:assert/strict";
import {
  DEFAULT_ALLOWED_GLOBALS,
  defaultAllowedGlobals,
  effectiveAllowedGlobals,
} from "./default_globals.ts";
import { knownInterfaces } from "./protocol.ts";

Deno.test("default globals: the core protocol and ordinary extensions only", () => {
  const names = defaultAllowedGlobals();
  assert.deepEqual(names, [...names].sort());
  assert.equal(new Set(names).size, names.length, "each name once");
  for (const core of ["wl_compositor", "wl_shm", "wl_seat", "xdg_wm_base"]) {
    assert.ok(names.includes(core), core);
  }
  // What the guard exists to hide.
  for (
    const hidden of [
      "zwlr_screencopy_manager_v1",
      "zwlr_data_control_manager_v1",
      "zwp_virtual_keyboard_manager_v1",
      "zwlr_layer_shell_v1",
      "zwlr_foreign_toplevel_manager_v1",
      "wp_security_context_manager_v1",
    ]
  ) {
    assert.ok(!names.includes(hidden), hidden);
  }
  // A typo here would hide a global every app needs.
  const known = new Set(knownInterfaces());
  for (const { name, reason } of DEFAULT_ALLOWED_GLOBALS) {
    assert.ok(known.has(name), `${name} is in the protocol table`);
    assert.ok(reason.length > 0 && !reason.includes("\n"), name);
  }
});

Deno.test("effective globals: default plus allow minus deny, sorted", () => {
  assert.deepEqual(
    effectiveAllowedGlobals({ allow: [], deny: [] }),
    defaultAllowedGlobals(),
  );
  const effective = effectiveAllowedGlobals({
    allow: ["zwp_tablet_manager_v2", "wl_shm"],
    deny: ["wp_presentation", "not_a_default"],
  });
  assert.deepEqual(effective, [...effective].sort());
  assert.ok(effective.includes("zwp_tablet_manager_v2"));
  assert.ok(!effective.includes("wp_presentation"));
  assert.equal(effective.filter((name) => name === "wl_shm").length, 1);
  assert.equal(effective.length, defaultAllowedGlobals().length);
});
