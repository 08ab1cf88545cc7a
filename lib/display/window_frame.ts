/**
 * The trusted frame around every VM window: four strips of the recipe's
 * colour around the window's geometry, drawn by the guard with objects of
 * its own that the guest can neither see nor address.
 *
 * Each strip is a sub-surface of the window's surface, so the compositor
 * moves it with the window on any desktop, GNOME's included. Sub-surfaces
 * start synchronised: what the guard commits on a strip appears with the
 * window's own next commit, so the guard redraws just before passing that
 * commit on, and the frame never lags the window. A strip's input region
 * is empty (clicks go through to what lies below), and whenever the guest
 * adds a sub-surface of its own to the window, the strips are placed above
 * it again, so nothing the guest draws can cover them.
 *
 * The geometry is the window geometry the guest set (xdg_surface), else
 * the surface's size: the attached buffer's, divided by its scale, turned
 * by its transform, or a viewport's destination. A window without a
 * geometry of its own gets that size as its geometry from the guard, so
 * the compositor does not count the strips as part of the window.
 *
 * @module
 */
import type { ConnectionWire } from "./connection_wire.ts";
import type { WaylandObject } from "./object_table.ts";

/** Globals frames are drawn with, bound on the guard's own registry. */
const FRAME_GLOBALS: Readonly<
  Record<
    string,
    { key: "compositor" | "subcompositor" | "shm"; version: number }
  >
> = {
  wl_compositor: { key: "compositor", version: 4 },
  wl_subcompositor: { key: "subcompositor", version: 1 },
  wl_shm: { key: "shm", version: 1 },
};

/** Width of each strip, in surface pixels. */
export const FRAME_THICKNESS = 4;

/** Pixels the guard hands the compositor: an ARGB8888 shm file. */
export interface PaintedBuffer {
  /** The file; the connection's loop closes it once sent. */
  fd: number;
  /** Its size in bytes. */
  size: number;
  /** Bytes per row. */
  stride: number;
}

/** Fills a `width` × `height` buffer with the frame's colour. */
export type Painter = (width: number, height: number) => PaintedBuffer;

/** A rectangle in surface coordinates. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The four strips around `rect`, clockwise from the top. */
export function frameStrips(rect: Rect, thickness = FRAME_THICKNESS): Rect[] {
  const { x, y, width, height } = rect;
  const t = thickness;
  return [
    { x: x - t, y: y - t, width: width + 2 * t, height: t },
    { x: x + width, y, width: t, height },
    { x: x - t, y: y + height, width: width + 2 * t, height: t },
    { x: x - t, y, width: t, height },
  ];
}

/** What the guard knows of a surface's size, pending and applied. */
interface SurfaceState {
  surface: WaylandObject;
  buffer?: { width: number; height: number } | null;
  scale: number;
  transform: number;
  destination?: { width: number; height: number };
  pendingGeometry?: Rect;
  geometry?: Rect;
  /** The window's role object, once it has one (toplevel or popup). */
  xdgSurface?: WaylandObject;
  /** The geometry the guard set for a guest that sets none. */
  impliedGeometry?: Rect;
  framed: boolean;
  drawn?: Rect;
  strips?: { surface: WaylandObject; subsurface: WaylandObject }[];
}

/** Transforms 90, 270 and their flipped forms swap width and height. */
const SWAPPING_TRANSFORMS = new Set([1, 3, 5, 7]);

/** The frames of one connection's windows. */
export class WindowFrames {
  #wire: ConnectionWire;
  #paint: Painter;
  #surfaces = new Map<WaylandObject, SurfaceState>();
  #buffers = new Map<number, { width: number; height: number }>();
  #xdgSurfaces = new Map<number, WaylandObject>();
  #viewports = new Map<number, WaylandObject>();
  #globals: {
    compositor?: WaylandObject;
    subcompositor?: WaylandObject;
    shm?: WaylandObject;
  } = {};
  #emptyRegion?: WaylandObject;

  /** Frames windows on `wire`, painting strips with `paint`. */
  constructor(wire: ConnectionWire, paint: Painter) {
    this.#wire = wire;
    this.#paint = paint;
  }

  /**
   * A global announced on the guard's own `registry`: the three frames
   * need are bound there, invisible to the guest.
   */
  globalAnnounced(
    registry: WaylandObject,
    name: number,
    iface: string,
    version: number,
  ): void {
    const wanted = FRAME_GLOBALS[iface];
    if (!wanted || this.#globals[wanted.key]) return;
    const object = this.#wire.create(iface, Math.min(wanted.version, version));
    this.#wire.request(registry, "bind", [
      name,
      { interface: iface, version: object.version, id: object.serverId },
    ]);
    this.#globals[wanted.key] = object;
  }

  /** The guest made a surface. */
  surfaceCreated(surface: WaylandObject): void {
    this.#surfaces.set(surface, {
      surface,
      scale: 1,
      transform: 0,
      framed: false,
    });
  }

  /** The guest made a buffer of this size (shm, dmabuf or single pixel). */
  bufferCreated(buffer: WaylandObject, width: number, height: number): void {
    this.#buffers.set(buffer.serverId, { width, height });
  }

  /** The guest destroyed a buffer. */
  bufferDestroyed(buffer: WaylandObject): void {
    this.#buffers.delete(buffer.serverId);
  }

  /** xdg_wm_base.get_xdg_surface: `xdgSurface` gives `surface` a role. */
  xdgSurfaceCreated(xdgSurface: WaylandObject, surface: WaylandObject): void {
    this.#xdgSurfaces.set(xdgSurface.serverId, surface);
  }

  /** wp_viewporter.get_viewport. */
  viewportCreated(viewport: WaylandObject, surface: WaylandObject): void {
    this.#viewports.set(viewport.serverId, surface);
  }

  /** get_toplevel or get_popup on `xdgSurface`: its surface gets a frame. */
  windowCreated(xdgSurface: WaylandObject): void {
    const surface = this.#xdgSurfaces.get(xdgSurface.serverId);
    const state = surface && this.#surfaces.get(surface);
    if (!state) return;
    state.framed = true;
    state.xdgSurface = xdgSurface;
  }

  /** xdg_surface.set_window_geometry. */
  geometrySet(xdgSurface: WaylandObject, rect: Rect): void {
    const surface = this.#xdgSurfaces.get(xdgSurface.serverId);
    const state = surface && this.#surfaces.get(surface);
    if (state) state.pendingGeometry = rect;
  }

  /** wl_surface.attach (null detaches). */
  attached(surface: WaylandObject, buffer: WaylandObject | undefined): void {
    const state = this.#surfaces.get(surface);
    if (!state) return;
    state.buffer = buffer ? this.#buffers.get(buffer.serverId) ?? null : null;
  }

  /** wl_surface.set_buffer_scale. */
  scaleSet(surface: WaylandObject, scale: number): void {
    const state = this.#surfaces.get(surface);
    if (state && scale > 0) state.scale = scale;
  }

  /** wl_surface.set_buffer_transform. */
  transformSet(surface: WaylandObject, transform: number): void {
    const state = this.#surfaces.get(surface);
    if (state) state.transform = transform;
  }

  /** wp_viewport.set_destination (-1, -1 unsets). */
  destinationSet(viewport: WaylandObject, width: number, height: number): void {
    const surface = this.#viewports.get(viewport.serverId);
    const state = surface && this.#surfaces.get(surface);
    if (!state) return;
    state.destination = width > 0 && height > 0 ? { width, height } : undefined;
  }

  /** The guest added a sub-surface to `parent`: keep the strips on top. */
  childAdded(parent: WaylandObject, child: WaylandObject): void {
    const state = this.#surfaces.get(parent);
    for (const strip of state?.strips ?? []) {
      this.#wire.request(strip.subsurface, "place_above", [child.serverId]);
    }
  }

  /**
   * Just before the guest's commit of `surface` goes out: applies what the
   * commit applies and redraws the frame when the window's rectangle moved.
   */
  beforeCommit(surface: WaylandObject): void {
    const state = this.#surfaces.get(surface);
    if (!state) return;
    if (state.pendingGeometry) {
      state.geometry = state.pendingGeometry;
      state.pendingGeometry = undefined;
    }
    if (!state.framed) return;
    const rect = state.geometry ?? surfaceRect(state);
    if (!rect || rect.width <= 0 || rect.height <= 0) return;
    if (!state.geometry) this.#implyGeometry(state, rect);
    if (state.drawn && sameRect(state.drawn, rect)) return;
    if (this.#draw(state, rect)) state.drawn = rect;
  }

  /** An event to one of the guard's objects: a released strip buffer goes. */
  guardEvent(object: WaylandObject, name: string): void {
    if (object.spec.name === "wl_buffer" && name === "release") {
      this.#wire.request(object, "destroy", []);
    }
  }

  /** The guest destroys `surface`: the strips go first. */
  surfaceDestroyed(surface: WaylandObject): void {
    const state = this.#surfaces.get(surface);
    if (!state) return;
    for (const strip of state.strips ?? []) {
      this.#wire.request(strip.subsurface, "destroy", []);
      this.#wire.request(strip.surface, "destroy", []);
    }
    this.#surfaces.delete(surface);
  }

  /**
   * A window that sets no geometry is, to the compositor, its surface and
   * every sub-surface — the frame's strips included. So the guard states
   * the surface's own rectangle as the geometry, as the guest would have.
   */
  #implyGeometry(state: SurfaceState, rect: Rect): void {
    if (!state.xdgSurface || state.xdgSurface.zombie) return;
    if (state.impliedGeometry && sameRect(state.impliedGeometry, rect)) return;
    const { x, y, width, height } = rect;
    this.#wire.request(state.xdgSurface, "set_window_geometry", [
      x,
      y,
      width,
      height,
    ]);
    state.impliedGeometry = rect;
  }

  #draw(state: SurfaceState, rect: Rect): boolean {
    const { compositor, subcompositor, shm } = this.#globals;
    if (!compositor || !subcompositor || !shm) return false;
    const wire = this.#wire;
    if (!this.#emptyRegion) {
      this.#emptyRegion = wire.create("wl_region", compositor.version);
      wire.request(compositor, "create_region", [this.#emptyRegion.serverId]);
    }
    state.strips ??= Array.from({ length: 4 }, () => {
      const surface = wire.create("wl_surface", compositor.version);
      wire.request(compositor, "create_surface", [surface.serverId]);
      wire.request(surface, "set_input_region", [this.#emptyRegion!.serverId]);
      const subsurface = wire.create("wl_subsurface", subcompositor.version);
      wire.request(subcompositor, "get_subsurface", [
        subsurface.serverId,
        surface.serverId,
        state.surface.serverId,
      ]);
      return { surface, subsurface };
    });
    const strips = frameStrips(rect);
    state.strips.forEach((strip, index) => {
      const { x, y, width, height } = strips[index];
      const painted = this.#paint(width, height);
      const pool = wire.create("wl_shm_pool", shm.version);
      wire.request(shm, "create_pool", [
        pool.serverId,
        painted.fd,
        painted.size,
      ]);
      const buffer = wire.create("wl_buffer", pool.version);
      wire.request(pool, "create_buffer", [
        buffer.serverId,
        0,
        width,
        height,
        painted.stride,
        ARGB8888,
      ]);
      wire.request(pool, "destroy", []);
      wire.request(strip.surface, "attach", [buffer.serverId, 0, 0]);
      wire.request(strip.surface, "damage", [0, 0, width, height]);
      wire.request(strip.surface, "commit", []);
      wire.request(strip.subsurface, "set_position", [x, y]);
    });
    return true;
  }
}

/** wl_shm format 0. */
const ARGB8888 = 0;

function surfaceRect(state: SurfaceState): Rect | undefined {
  if (state.destination) return { x: 0, y: 0, ...state.destination };
  if (!state.buffer) return undefined;
  let width = Math.floor(state.buffer.width / state.scale);
  let height = Math.floor(state.buffer.height / state.scale);
  if (SWAPPING_TRANSFORMS.has(state.transform)) {
    [width, height] = [height, width];
  }
  return { x: 0, y: 0, width, height };
}

function sameRect(a: Rect, b: Rect): boolean {
  return a.x === b.x && a.y === b.y && a.width === b.width &&
    a.height === b.height;
}
