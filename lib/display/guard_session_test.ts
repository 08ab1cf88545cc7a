import assert from "node:assert/strict";
import { GuardSession } from "./guard_session.ts";
import type { GuardConfig } from "./message_filter.ts";
import { encode, FilterDriver } from "./_test_wayland.ts";
import { SERVER_ID_START } from "./object_table.ts";

const CONFIG: GuardConfig = {
  vm: "work-1",
  app: "work",
  label: "work",
  colour: "#cc0000",
  globals: {
    allow: [
      "wl_compositor",
      "wl_subcompositor",
      "wl_shm",
      "wl_seat",
      "xdg_wm_base",
      "wl_data_device_manager",
    ],
  },
  clipboard: "explicit",
};

/** Painted strips get fake fd numbers from 1000 up. */
function driver(config: Partial<GuardConfig> = {}) {
  let fd = 1000;
  const session = new GuardSession({ ...CONFIG, ...config }, {
    paint: (width, height) => ({
      fd: fd++,
      size: width * height * 4,
      stride: width * 4,
    }),
  });
  return new FilterDriver(session);
}

const GLOBALS: [number, string, number][] = [
  [1, "wl_compositor", 5],
  [2, "wl_subcompositor", 1],
  [3, "wl_shm", 1],
  [4, "zwlr_screencopy_manager_v1", 3],
  [5, "zwp_virtual_keyboard_manager_v1", 1],
  [6, "xdg_wm_base", 99],
  [7, "wl_seat", 7],
  [8, "wl_data_device_manager", 3],
];

/** The compositor announces GLOBALS on server registry `registry`. */
function announce(d: FilterDriver, registry: number) {
  return GLOBALS.flatMap(([name, iface, version]) =>
    d.server({
      id: registry,
      iface: "wl_registry",
      name: "global",
      args: [name, iface, version],
    })
  );
}

/** A client with a registry (client id 2, server id 6) that saw the globals. */
function withRegistry(config: Partial<GuardConfig> = {}) {
  const d = driver(config);
  announce(d, 2); // the guard's own registry
  const [getRegistry] = d.client({
    id: 1,
    iface: "wl_display",
    name: "get_registry",
    args: [2],
  });
  // After the guard's registry (2) and its three binds.
  assert.deepEqual(
    getRegistry.args,
    [6],
    "the guest's registry gets the next id",
  );
  const seen = announce(d, 6);
  return { d, seen };
}

function bind(
  d: FilterDriver,
  name: number,
  iface: string,
  version: number,
  id: number,
) {
  return d.client({
    id: 2,
    iface: "wl_registry",
    name: "bind",
    args: [name, { interface: iface, version, id }],
  });
}

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

/** A mapped toplevel: surface 5, xdg_surface 7, toplevel 8, a 100x50 buffer 10. */
function toplevel(config: Partial<GuardConfig> = {}) {
  const { d } = withRegistry(config);
  bind(d, 1, "wl_compositor", 4, 4);
  bind(d, 6, "xdg_wm_base", 1, 6);
  bind(d, 3, "wl_shm", 1, 9);
  d.client({
    id: 4,
    iface: "wl_compositor",
    name: "create_surface",
    args: [5],
  });
  d.client({
    id: 6,
    iface: "xdg_wm_base",
    name: "get_xdg_surface",
    args: [7, 5],
  });
  const created = d.client({
    id: 7,
    iface: "xdg_surface",
    name: "get_toplevel",
    args: [8],
  });
  d.client({
    id: 9,
    iface: "wl_shm",
    name: "create_pool",
    args: [11, 3, 20000],
  }, [3]);
  d.client({
    id: 11,
    iface: "wl_shm_pool",
    name: "create_buffer",
    args: [10, 0, 100, 50, 400, 0],
  });
  d.client({ id: 5, iface: "wl_surface", name: "attach", args: [10, 0, 0] });
  return { d, created };
}

Deno.test("every toplevel gets the label and qubesify's app id, whatever the guest sets", () => {
  const { d, created } = toplevel();
  assert.deepEqual(created.map((m) => [m.name, m.args]), [
    ["get_toplevel", [created[0].args[0]]],
    ["set_title", ["[work] "]],
    ["set_app_id", ["qubesify-work"]],
  ]);
  const [title] = d.client({
    id: 8,
    iface: "xdg_toplevel",
    name: "set_title",
    args: ["Bank \u202eknaB"],
  });
  assert.deepEqual(title.args, ["[work] Bank  knaB"]);
  const [appId] = d.client({
    id: 8,
    iface: "xdg_toplevel",
    name: "set_app_id",
    args: ["org.gnome.Shell"],
  });
  assert.deepEqual(appId.args, ["qubesify-work"]);
});

Deno.test("a framed window's commit is preceded by four strips around it, redrawn only when it changes", () => {
  const { d } = toplevel();
  const sent = d.client({
    id: 5,
    iface: "wl_surface",
    name: "commit",
    args: [],
  });
  assert.equal(sent.at(-1)!.name, "commit");
  assert.equal(
    sent.at(-1)!.id,
    d.atServer.find((m) => m.name === "create_surface")!.args[0],
  );
  assert.deepEqual(
    sent.filter((m) => m.name === "set_window_geometry").map((m) => m.args),
    [[0, 0, 100, 50]],
    "a window without a geometry of its own gets its surface's, so the strips stay outside it",
  );
  const positions = sent.filter((m) => m.name === "set_position").map((m) =>
    m.args
  );
  assert.deepEqual(positions, [[-4, -4], [100, 0], [-4, 50], [-4, 0]]);
  const buffers = sent.filter((m) => m.name === "create_buffer").map((m) =>
    m.args.slice(2, 4)
  );
  assert.deepEqual(buffers, [[108, 4], [4, 50], [108, 4], [4, 50]]);
  assert.equal(sent.filter((m) => m.name === "set_input_region").length, 4);
  const again = d.client({
    id: 5,
    iface: "wl_surface",
    name: "commit",
    args: [],
  });
  assert.deepEqual(again.map((m) => m.name), ["commit"]);
  d.client({
    id: 7,
    iface: "xdg_surface",
    name: "set_window_geometry",
    args: [10, 10, 80, 30],
  });
  const moved = d.client({
    id: 5,
    iface: "wl_surface",
    name: "commit",
    args: [],
  });
  assert.deepEqual(moved.filter((m) => m.name === "set_position")[0].args, [
    6,
    6,
  ]);
  // Pool fds the guard made go out with their create_pool.
  assert.ok(
    d.atServer.some((m) =>
      m.name === "create_pool" && (m.args[1] as number) >= 1000
    ),
  );
});

Deno.test("the guest cannot address the frame: events about it never reach the guest", () => {
  const { d } = toplevel();
  d.client({ id: 5, iface: "wl_surface", name: "commit", args: [] });
  const strip = d.atServer.filter((m) => m.name === "create_surface")[1]
    .args[0] as number;
  assert.deepEqual(
    d.server({ id: strip, iface: "wl_surface", name: "enter", args: [99] }),
    [],
  );
  const buffer = d.atServer.filter((m) => m.name === "create_buffer").at(-1)!
    .args[0] as number;
  d.server({ id: buffer, iface: "wl_buffer", name: "release", args: [] });
  assert.equal(
    d.atServer.at(-1)!.name,
    "destroy",
    "a released strip buffer goes",
  );
  assert.equal(d.closed, undefined);
});

/** Seat 11 with keyboard 13 and data device 12, as server ids. */
function seated(config: Partial<GuardConfig> = {}) {
  const { d } = withRegistry(config);
  bind(d, 7, "wl_seat", 5, 11);
  bind(d, 8, "wl_data_device_manager", 3, 14);
  d.client({ id: 11, iface: "wl_seat", name: "get_keyboard", args: [13] });
  d.client({
    id: 14,
    iface: "wl_data_device_manager",
    name: "get_data_device",
    args: [12, 11],
  });
  const device = d.atServer.at(-1)!.args[0] as number;
  const keyboard = d.atServer.at(-2)!.args[0] as number;
  return { d, device, keyboard };
}

/** The compositor offers the host's selection (text/plain) as `offer`. */
function hostSelection(d: FilterDriver, device: number, offer: number) {
  const seen = [
    ...d.server({
      id: device,
      iface: "wl_data_device",
      name: "data_offer",
      args: [offer],
    }),
    ...d.server({
      id: offer,
      iface: "wl_data_offer",
      name: "offer",
      args: ["text/plain"],
    }),
    ...d.server({
      id: device,
      iface: "wl_data_device",
      name: "selection",
      args: [offer],
    }),
  ];
  return seen;
}

function press(
  d: FilterDriver,
  keyboard: number,
  key: number,
  mods: number,
  serial = 40,
) {
  d.server({
    id: keyboard,
    iface: "wl_keyboard",
    name: "modifiers",
    args: [serial, mods, 0, 0, 0],
  });
  return [
    ...d.server({
      id: keyboard,
      iface: "wl_keyboard",
      name: "key",
      args: [serial + 1, 0, key, 1],
    }),
    ...d.server({
      id: keyboard,
      iface: "wl_keyboard",
      name: "key",
      args: [serial + 2, 0, key, 0],
    }),
  ];
}

const KEY_V = 47;
const KEY_C = 46;
const CTRL_SHIFT = 1 | 4;

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
