import assert from "node:assert/strict";
import { parseWaylandInfo } from "./wayland_info.ts";

Deno.test("wayland-info: globals are read and their details skipped", () => {
  const text = [
    "interface: 'wl_shm',                                     version:  1, name:  1",
    "\tformats (fourcc):",
    "\t0x30334258 = 'XB30'",
    "\t         0 = 'AR24'",
    "interface: 'wl_compositor',                              version:  4, name:  2",
    "interface: 'zwlr_screencopy_manager_v1',                 version:  3, name: 23",
    "interface: 'wl_output',                                  version:  4, name: 38",
    "\tname: HEADLESS-1",
    "\tmode:",
    "\t\twidth: 1024 px, height: 768 px, refresh: 60.000 Hz,",
    "",
  ].join("\n");
  assert.deepEqual(parseWaylandInfo(text), [
    { interface: "wl_shm", version: 1, name: 1 },
    { interface: "wl_compositor", version: 4, name: 2 },
    { interface: "zwlr_screencopy_manager_v1", version: 3, name: 23 },
    { interface: "wl_output", version: 4, name: 38 },
  ]);
});

Deno.test("wayland-info: lines that only look like globals are not globals", () => {
  const text = [
    "\tinterface: 'wl_shm', version: 1, name: 1",
    "interface: 'wl shm', version: 1, name: 1",
    "interface: 'wl_shm', version: x, name: 1",
    "interface: 'wl_shm', version: 1",
  ].join("\n");
  assert.deepEqual(parseWaylandInfo(text), []);
});
