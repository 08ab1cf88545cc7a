import assert from "node:assert/strict";
import { knownInterfaces, protocolInterface } from "./protocol.ts";

Deno.test("protocol: the core interfaces read as libwayland knows them", () => {
  const display = protocolInterface("wl_display")!;
  assert.deepEqual(display.requests.map((request) => request.name), [
    "sync",
    "get_registry",
  ]);
  assert.deepEqual(display.events[0], {
    name: "error",
    args: [
      { name: "object_id", type: "object", nullable: false },
      { name: "code", type: "uint", nullable: false },
      { name: "message", type: "string", nullable: false },
    ],
    since: 1,
    destructor: false,
  });
  const bind = protocolInterface("wl_registry")!.requests[0];
  assert.deepEqual(bind.args, [
    { name: "name", type: "uint", nullable: false },
    { name: "id", type: "new_id", nullable: false },
  ]);
  const attach = protocolInterface("wl_surface")!.requests[1];
  assert.equal(attach.name, "attach");
  assert.deepEqual(attach.args[0], {
    name: "buffer",
    type: "object",
    interface: "wl_buffer",
    nullable: true,
  });
  assert.ok(protocolInterface("wl_surface")!.requests[0].destructor);
  assert.equal(protocolInterface("wl_callback")!.events[0].name, "done");
});

Deno.test("protocol: the extensions the guard needs are known", () => {
  for (
    const name of [
      "xdg_wm_base",
      "xdg_toplevel",
      "wp_viewporter",
      "wp_security_context_manager_v1",
      "wp_cursor_shape_manager_v1",
      "zwp_linux_dmabuf_v1",
      "zwp_primary_selection_device_manager_v1",
      "ext_data_control_manager_v1",
    ]
  ) {
    assert.ok(protocolInterface(name), name);
  }
  assert.ok(protocolInterface("xdg_toplevel")!.version >= 6);
  assert.equal(
    protocolInterface("xdg_shell"),
    undefined,
    "xdg-shell-unstable-v5 is left out",
  );
  assert.equal(protocolInterface("nonexistent"), undefined);
});

Deno.test("protocol: specs are parsed once and shared", () => {
  assert.equal(protocolInterface("wl_seat"), protocolInterface("wl_seat"));
  assert.equal(knownInterfaces(), knownInterfaces());
  const names = knownInterfaces();
  assert.deepEqual([...names].sort(), names);
  assert.equal(new Set(names).size, names.length);
});
