/**
 * What the guard does to a VM's windows on the way, message by message:
 * labels their titles and app ids (window_label.ts), frames them
 * (window_frame.ts) and gates the clipboard (clipboard_gate.ts). The
 * session (guard_session.ts) has checked and parsed every message before
 * it asks here, and translates ids after.
 *
 * @module
 */
import type { ArgValue } from "./wire.ts";
import type { GuardConfig } from "./message_filter.ts";
import type { WaylandObject } from "./object_table.ts";
import type { ConnectionWire } from "./connection_wire.ts";
import { type Painter, WindowFrames } from "./window_frame.ts";
import { ClipboardGate } from "./clipboard_gate.ts";
import { labelledTitle, qubesifyAppId } from "./window_label.ts";
import { letterKeys, MAX_KEYMAP_BYTES } from "./xkb_keys.ts";

/** Reads a keymap the compositor sent: its text, or undefined. */
export type KeymapReader = (fd: number, size: number) => string | undefined;

/** What a {@linkcode WindowPolicy} needs besides its config. */
export interface WindowPolicyOptions {
  /** Paints frame strips. */
  paint: Painter;
  /** Reads keymaps, so the chords follow the user's layout. */
  readKeymap?: KeymapReader;
}

/** The xkb text format (wl_keyboard.keymap's format 1). */
const XKB_V1 = 1;

/** Labels, frames and the clipboard gate of one connection. */
export class WindowPolicy {
  /** The frames of the connection's windows. */
  readonly frames: WindowFrames;
  /** The connection's clipboard gate. */
  readonly clipboard: ClipboardGate;
  #wire: ConnectionWire;
  #config: GuardConfig;
  #readKeymap?: KeymapReader;

  /** The policy of a connection on `wire` for the VM `config` describes. */
  constructor(
    wire: ConnectionWire,
    config: GuardConfig,
    options: WindowPolicyOptions,
  ) {
    this.#wire = wire;
    this.#config = config;
    this.#readKeymap = options.readKeymap;
    this.frames = new WindowFrames(wire, options.paint);
    this.clipboard = new ClipboardGate(wire, config.clipboard);
  }

  /** Before a guest request goes out; false keeps it back. */
  beforeRequest(
    what: string,
    target: WaylandObject,
    args: ArgValue[],
  ): boolean {
    switch (what) {
      case "xdg_toplevel.set_title":
        args[0] = labelledTitle(this.#config.label, args[0] as string);
        return true;
      case "xdg_toplevel.set_app_id":
        args[0] = qubesifyAppId(this.#config.app);
        return true;
      case "wl_surface.commit":
        this.frames.beforeCommit(target);
        return true;
      case "wl_surface.destroy":
        this.frames.surfaceDestroyed(target);
        return true;
      case "wl_surface.attach":
        this.frames.attached(target, this.#clientObject(args[0] as number));
        return true;
      case "wl_surface.set_buffer_scale":
        this.frames.scaleSet(target, args[0] as number);
        return true;
      case "wl_surface.set_buffer_transform":
        this.frames.transformSet(target, args[0] as number);
        return true;
      case "wp_viewport.set_destination":
        this.frames.destinationSet(
          target,
          args[0] as number,
          args[1] as number,
        );
        return true;
      case "xdg_surface.set_window_geometry": {
        const [x, y, width, height] = args as number[];
        this.frames.geometrySet(target, { x, y, width, height });
        return true;
      }
      case "wl_buffer.destroy":
        this.frames.bufferDestroyed(target);
        return true;
      case "wl_data_device.set_selection":
      case "zwp_primary_selection_device_v1.set_selection":
        return this.clipboard.guestSelection(
          target,
          this.#clientObject(args[0] as number),
        );
      case "wl_data_source.destroy":
      case "zwp_primary_selection_source_v1.destroy":
      case "wl_data_device.release":
      case "zwp_primary_selection_device_v1.destroy":
        this.clipboard.forget(target);
        return true;
    }
    return true;
  }

  /** Bookkeeping once a request went out, with the objects it created. */
  afterRequest(
    what: string,
    target: WaylandObject,
    args: readonly ArgValue[],
    created: WaylandObject[],
  ): void {
    const [first] = created;
    switch (what) {
      case "wl_compositor.create_surface":
        this.frames.surfaceCreated(first);
        break;
      case "wl_shm_pool.create_buffer":
        this.frames.bufferCreated(first, args[2] as number, args[3] as number);
        break;
      case "zwp_linux_buffer_params_v1.create_immed":
        this.frames.bufferCreated(first, args[1] as number, args[2] as number);
        break;
      case "wp_single_pixel_buffer_manager_v1.create_u32_rgba_buffer":
        this.frames.bufferCreated(first, 1, 1);
        break;
      case "xdg_wm_base.get_xdg_surface":
        this.frames.xdgSurfaceCreated(
          first,
          this.#serverObject(args[1] as number)!,
        );
        break;
      case "wp_viewporter.get_viewport":
        this.frames.viewportCreated(
          first,
          this.#serverObject(args[1] as number)!,
        );
        break;
      case "xdg_surface.get_toplevel":
        this.#wire.request(first, "set_title", [
          labelledTitle(this.#config.label, ""),
        ]);
        this.#wire.request(first, "set_app_id", [
          qubesifyAppId(this.#config.app),
        ]);
        this.frames.windowCreated(target);
        break;
      case "xdg_surface.get_popup":
        this.frames.windowCreated(target);
        break;
      case "wl_subcompositor.get_subsurface":
        this.frames.childAdded(
          this.#serverObject(args[2] as number)!,
          this.#serverObject(args[1] as number)!,
        );
        break;
    }
  }

  /** Before an event reaches the guest; false keeps it back. */
  beforeEvent(what: string, target: WaylandObject, args: ArgValue[]): boolean {
    switch (what) {
      case "wl_keyboard.keymap": {
        const [format, fd, size] = args as number[];
        const text = format === XKB_V1 && size <= MAX_KEYMAP_BYTES
          ? this.#readKeymap?.(fd, size)
          : undefined;
        if (text) {
          const keys = letterKeys(text, ["c", "v"]);
          this.clipboard.keymap(target, {
            copy: keys.get("c"),
            paste: keys.get("v"),
          });
        }
        return true;
      }
      case "wl_keyboard.modifiers":
        this.clipboard.modifiers(target, args[1] as number, args[2] as number);
        return true;
      case "wl_keyboard.key":
        return this.clipboard.key(
          target,
          args[0] as number,
          args[2] as number,
          args[3] === 1,
        );
      case "wl_data_device.selection":
      case "zwp_primary_selection_device_v1.selection":
        return this.clipboard.selection(target, args[0] as number);
      case "wl_data_device.enter":
        this.clipboard.dragEntered(args[4] as number);
        return true;
    }
    return true;
  }

  #clientObject(clientId: number): WaylandObject | undefined {
    return clientId === 0 ? undefined : this.#wire.objects.byClientId(clientId);
  }

  #serverObject(serverId: number): WaylandObject | undefined {
    return this.#wire.objects.byServerId(serverId);
  }
}
