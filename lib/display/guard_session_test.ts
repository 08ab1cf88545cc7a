import assert from "node:assert/strict";
import { encode } from "./_test_wayland.ts";
import { announce, bind, driver, withRegistry } from "./_test_session.ts";

Deno.test("the guard binds what frames need on a registry of its own first", () => {
  const d = driver();
  assert.deepEqual(d.atServer.map((m) => [m.name, m.args]), [["get_registry", [
    2,
  ]]]);
  const binds = announce(d, 2);
  assert.deepEqual(binds, [], "nothing reaches the guest");
  assert.deepEqual(
    d.atServer.slice(1).map((m) =>
      (m.args[1] as { interface: string }).interface
    ),
    ["wl_compositor", "wl_subcompositor", "wl_shm"],
  );
});

Deno.test("globals outside the allow-list are never announced; versions are clamped to the table", () => {
  const { d, seen } = withRegistry();
  assert.deepEqual(
    seen.map((m) => m.args[1]),
    [
      "wl_compositor",
      "wl_subcompositor",
      "wl_shm",
      "xdg_wm_base",
      "wl_seat",
      "wl_data_device_manager",
    ],
  );
  const xdg = seen.find((m) => m.args[1] === "xdg_wm_base")!;
  assert.ok((xdg.args[2] as number) < 99);
  const log = d.log.join("\n");
  assert.match(log, /work-1: hid globals .*zwlr_screencopy_manager_v1/);
  assert.match(log, /work-1: hid globals .*zwp_virtual_keyboard_manager_v1/);
});

Deno.test("a bind to a hidden global, or above the announced version, ends the connection", () => {
  for (
    const [name, iface, version] of [[4, "zwlr_screencopy_manager_v1", 1], [
      5,
      "wl_compositor",
      1,
    ], [1, "wl_compositor", 6]] as const
  ) {
    const { d } = withRegistry();
    bind(d, name, iface, version, 10);
    assert.ok(d.closed, `${iface} v${version} at ${name}`);
    assert.match(d.log.at(-1)!, /work-1: display connection closed: bind to/);
  }
});

Deno.test("ids are translated both ways and the guard's objects stay unreachable", () => {
  const { d } = withRegistry();
  const [bound] = bind(d, 1, "wl_compositor", 4, 4);
  const compositorServerId = (bound.args[1] as { id: number }).id;
  assert.notEqual(compositorServerId, 4);
  const [create] = d.client({
    id: 4,
    iface: "wl_compositor",
    name: "create_surface",
    args: [5],
  });
  assert.equal(create.id, compositorServerId);
  // The guard's registry is server object 2; as a client id, 2 is the guest's registry,
  // and ids the guest never made are refused.
  d.client({ id: 77, iface: "wl_surface", name: "commit", args: [] });
  assert.match(d.closed!, /unknown object 77/);
});

Deno.test("a request the object's version lacks, or an argument of the wrong interface, ends the connection", () => {
  {
    const { d } = withRegistry();
    bind(d, 1, "wl_compositor", 1, 4);
    d.client({
      id: 4,
      iface: "wl_compositor",
      name: "create_surface",
      args: [5],
    });
    // damage_buffer is wl_surface v4.
    d.client({
      id: 5,
      iface: "wl_surface",
      name: "damage_buffer",
      args: [0, 0, 1, 1],
    });
    assert.match(d.closed!, /wl_surface v1 has no request/);
  }
  {
    const { d } = withRegistry();
    bind(d, 1, "wl_compositor", 4, 4);
    d.client({
      id: 4,
      iface: "wl_compositor",
      name: "create_surface",
      args: [5],
    });
    d.client({ id: 5, iface: "wl_surface", name: "attach", args: [4, 0, 0] });
    assert.match(d.closed!, /is a wl_compositor, not a wl_buffer/);
  }
});

Deno.test("delete_id reaches the guest under its own id; the guard's own deletions do not", () => {
  const { d } = withRegistry();
  const [sync] = d.client({
    id: 1,
    iface: "wl_display",
    name: "sync",
    args: [6],
  });
  const callback = sync.args[0] as number;
  d.server({ id: callback, iface: "wl_callback", name: "done", args: [0] });
  const [deleted] = d.server({
    id: 1,
    iface: "wl_display",
    name: "delete_id",
    args: [callback],
  });
  assert.deepEqual(deleted.args, [6]);
  // The id is free again on both sides: the next object reuses it.
  const [again] = d.client({
    id: 1,
    iface: "wl_display",
    name: "sync",
    args: [6],
  });
  assert.equal(again.args[0], callback);
});

Deno.test("bytes split anywhere and several messages in one chunk parse alike", () => {
  const d = driver();
  announce(d, 2);
  const bytes = new Uint8Array([
    ...encode("requests", {
      id: 1,
      iface: "wl_display",
      name: "get_registry",
      args: [2],
    }).bytes,
    ...encode("requests", {
      id: 1,
      iface: "wl_display",
      name: "sync",
      args: [3],
    }).bytes,
  ]);
  let sent = 0;
  for (let i = 0; i < bytes.length; i += 3) {
    const out = d.filter.fromClient(bytes.subarray(i, i + 3), []);
    sent += out.toServer.reduce((n, c) => n + c.length, 0);
    assert.equal(out.close, undefined);
  }
  assert.equal(sent, bytes.length);
});
