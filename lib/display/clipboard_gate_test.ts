import assert from "node:assert/strict";
import { SERVER_ID_START } from "./object_table.ts";
import {
  CTRL_SHIFT,
  hostSelection,
  KEY_C,
  KEY_V,
  press,
  seated,
} from "./_test_session.ts";

Deno.test("explicit clipboard: the host's selection reaches the guest only on Ctrl+Shift+V", () => {
  const { d, device, keyboard } = seated();
  assert.deepEqual(hostSelection(d, device, SERVER_ID_START), []);
  assert.deepEqual(press(d, keyboard, KEY_V, 4).map((m) => m.name), [
    "key",
    "key",
  ], "Ctrl+V alone is the app's");
  const pasted = press(d, keyboard, KEY_V, CTRL_SHIFT);
  assert.deepEqual(
    pasted.map((m) => [m.name, m.args.length ? m.args[0] : undefined]),
    [
      ["data_offer", SERVER_ID_START],
      ["offer", "text/plain"],
      ["selection", SERVER_ID_START],
    ],
    "the offer is replayed; the chord's own keys are not passed on",
  );
});

Deno.test("explicit clipboard: the guest's copy reaches the host only on Ctrl+Shift+C, with the chord's serial", () => {
  const { d, device, keyboard } = seated();
  d.client({
    id: 14,
    iface: "wl_data_device_manager",
    name: "create_data_source",
    args: [15],
  });
  d.client({
    id: 15,
    iface: "wl_data_source",
    name: "offer",
    args: ["text/plain"],
  });
  const before = d.atServer.length;
  assert.deepEqual(
    d.client({
      id: 12,
      iface: "wl_data_device",
      name: "set_selection",
      args: [15, 9],
    }),
    [],
  );
  press(d, keyboard, KEY_C, CTRL_SHIFT, 50);
  const published = d.atServer.slice(before);
  assert.equal(published.length, 1);
  assert.equal(published[0].id, device);
  assert.equal(published[0].name, "set_selection");
  assert.equal(published[0].args[1], 51);
});

Deno.test("shared clipboard passes selections both ways; none never does", () => {
  {
    const { d, device } = seated({ clipboard: "shared" });
    assert.deepEqual(
      hostSelection(d, device, SERVER_ID_START).map((m) => m.name),
      ["data_offer", "offer", "selection"],
    );
  }
  {
    const { d, device, keyboard } = seated({ clipboard: "none" });
    hostSelection(d, device, SERVER_ID_START);
    assert.deepEqual(press(d, keyboard, KEY_V, CTRL_SHIFT).map((m) => m.name), [
      "key",
      "key",
    ]);
  }
});

Deno.test("a superseded host selection the guest never saw goes back to the compositor", () => {
  const { d, device } = seated();
  hostSelection(d, device, SERVER_ID_START);
  hostSelection(d, device, SERVER_ID_START + 1);
  const destroyed = d.atServer.filter((m) =>
    m.iface === "wl_data_offer" && m.name === "destroy"
  );
  assert.deepEqual(destroyed.map((m) => m.id), [SERVER_ID_START]);
});

Deno.test("explicit clipboard: the chords follow the keyboard's keymap, not US key positions", () => {
  const keymap = `xkb_keycodes { <AB09> = 60; <AD07> = 30; };
xkb_symbols { key <AB09> { [ v, V ] }; key <AD07> { [ c, C ] }; };`;
  const { d, device, keyboard } = seated({}, () => keymap);
  d.server(
    { id: keyboard, iface: "wl_keyboard", name: "keymap", args: [1, 5, 64] },
    [5],
  );
  hostSelection(d, device, SERVER_ID_START);
  assert.deepEqual(
    press(d, keyboard, KEY_V, CTRL_SHIFT).map((m) => m.name),
    ["key", "key"],
    "the US V key is the app's when the layout puts V elsewhere",
  );
  assert.deepEqual(
    press(d, keyboard, 52, CTRL_SHIFT).map((m) => m.name),
    ["data_offer", "offer", "selection"],
  );
});
