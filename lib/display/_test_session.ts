/**
 * Test support: a guard session driven by hand, with the set-ups its tests
 * share (a registry that saw the globals, a mapped toplevel, a seat with a
 * keyboard and a data device).
 *
 * @module
 */
import assert from "node:assert/strict";
import { GuardSession } from "./guard_session.ts";
import type { GuardConfig } from "./message_filter.ts";
import { FilterDriver } from "./_test_wayland.ts";
import type { KeymapReader } from "./window_policy.ts";

export const CONFIG: GuardConfig = {
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
export function driver(
  config: Partial<GuardConfig> = {},
  readKeymap?: KeymapReader,
) {
  let fd = 1000;
  const session = new GuardSession({ ...CONFIG, ...config }, {
    paint: (width, height) => ({
      fd: fd++,
      size: width * height * 4,
      stride: width * 4,
    }),
    readKeymap,
  });
  return new FilterDriver(session);
}

export const GLOBALS: [number, string, number][] = [
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
export function announce(d: FilterDriver, registry: number) {
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
export function withRegistry(
  config: Partial<GuardConfig> = {},
  readKeymap?: KeymapReader,
) {
  const d = driver(config, readKeymap);
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

export function bind(
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

/** A mapped toplevel: surface 5, xdg_surface 7, toplevel 8, a 100x50 buffer 10. */
export function toplevel(config: Partial<GuardConfig> = {}) {
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

/** Seat 11 with keyboard 13 and data device 12, as server ids. */
export function seated(
  config: Partial<GuardConfig> = {},
  readKeymap?: KeymapReader,
) {
  const { d } = withRegistry(config, readKeymap);
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
export function hostSelection(d: FilterDriver, device: number, offer: number) {
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

export function press(
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

export const KEY_V = 47;
export const KEY_C = 46;
export const CTRL_SHIFT = 1 | 4;
