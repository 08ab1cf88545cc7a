/**
 * A window made by hand on a {@linkcode RawWaylandClient}: an xdg toplevel
 * showing one shm buffer of one colour, the least a client does to be
 * drawn (and framed by the guard). The buffer stays attached, so a test
 * or the benchmark can commit it again and again.
 *
 * @example
 * ```ts
 * using client = RawWaylandClient.connect(guard.path);
 * const window = await openRawWindow(client, { width: 200, height: 150, colour: "#0000ff" });
 * client.request(window.surface, "commit", []);
 * ```
 *
 * @module
 */
import {
  createSolidBuffer,
  WL_SHM_FORMAT_ARGB8888,
} from "../../lib/display/mod.ts";
import { openLibc } from "../../lib/ffi/mod.ts";
import {
  announcedGlobals,
  type RawWaylandClient,
} from "./raw_wayland_client.ts";

/** What {@linkcode openRawWindow} draws. */
export interface RawWindowOptions {
  width: number;
  height: number;
  /** `#rrggbb` or a palette name. */
  colour: string;
}

/** The ids of a raw window's objects. */
export interface RawWindow {
  registry: number;
  compositor: number;
  shm: number;
  wmBase: number;
  surface: number;
  xdgSurface: number;
  toplevel: number;
  buffer: number;
}

/**
 * Binds the globals a window needs, makes a toplevel, waits for its first
 * configure, and shows a buffer of `options.colour` on it.
 */
export async function openRawWindow(
  client: RawWaylandClient,
  options: RawWindowOptions,
): Promise<RawWindow> {
  const registry = client.create("wl_registry");
  client.request(1, "get_registry", [registry]);
  const globals = announcedGlobals(await client.roundTrip());
  const bind = (iface: string, version: number) => {
    const global = globals.find((announced) => announced.interface === iface);
    if (!global) throw new Error(`the display offers no ${iface}`);
    const id = client.create(iface);
    client.request(registry, "bind", [global.name, {
      interface: iface,
      version: Math.min(version, global.version),
      id,
    }]);
    return id;
  };
  const compositor = bind("wl_compositor", 4);
  const shm = bind("wl_shm", 1);
  const wmBase = bind("xdg_wm_base", 1);
  const surface = client.create("wl_surface");
  client.request(compositor, "create_surface", [surface]);
  const xdgSurface = client.create("xdg_surface");
  client.request(wmBase, "get_xdg_surface", [xdgSurface, surface]);
  const toplevel = client.create("xdg_toplevel");
  client.request(xdgSurface, "get_toplevel", [toplevel]);
  client.request(surface, "commit", []);
  const configured = await client.pump((event) =>
    event.id === xdgSurface && event.name === "configure"
  );
  if (!configured.matched) throw new Error("the window was never configured");
  const serial = configured.events.at(-1)!.args![0] as number;
  client.request(xdgSurface, "ack_configure", [serial]);
  using libc = openLibc();
  const pixels = createSolidBuffer({ ...options, libc });
  let buffer: number;
  try {
    // In this order: a new id may not skip ahead of one not yet used.
    const pool = client.create("wl_shm_pool");
    client.request(shm, "create_pool", [pool, pixels.fd, pixels.size]);
    buffer = client.create("wl_buffer");
    client.request(pool, "create_buffer", [
      buffer,
      0,
      pixels.width,
      pixels.height,
      pixels.stride,
      WL_SHM_FORMAT_ARGB8888,
    ]);
    client.request(pool, "destroy", []);
    client.flush();
  } finally {
    libc.close(pixels.fd);
  }
  client.request(surface, "attach", [buffer, 0, 0]);
  client.request(surface, "damage", [0, 0, options.width, options.height]);
  client.request(surface, "commit", []);
  await client.roundTrip();
  return {
    registry,
    compositor,
    shm,
    wmBase,
    surface,
    xdgSurface,
    toplevel,
    buffer,
  };
}
