/**
 * The globals a VM's app sees by default: what ordinary Wayland apps need
 * to draw, type, point and pick a scale, and nothing that reaches beyond
 * their own windows (no screen capture, clipboard watching, input
 * injection, window listing or layer-shell overlays). A recipe adds to it
 * with `display.allow` and removes with `display.deny`.
 *
 * The clipboard globals are listed, but what goes through them is the
 * session's business (the recipe's `display.clipboard`).
 *
 * @example
 * ```ts
 * import { effectiveAllowedGlobals } from "./default_globals.ts";
 * effectiveAllowedGlobals({ allow: ["zwp_tablet_manager_v2"], deny: ["wp_presentation"] });
 * ```
 *
 * @module
 */
import type { DisplayPolicy } from "../recipe/mod.ts";

/** One allowed global and why an ordinary app needs it. */
export interface AllowedGlobal {
  /** The interface name the compositor announces. */
  readonly name: string;
  /** Why apps need it, in one line. */
  readonly reason: string;
}

/** The default allow-list, as data. */
export const DEFAULT_ALLOWED_GLOBALS: readonly AllowedGlobal[] = [
  {
    name: "wl_compositor",
    reason: "surfaces and regions: nothing draws without it",
  },
  {
    name: "wl_subcompositor",
    reason: "subsurfaces, for video and GTK/Qt widgets",
  },
  { name: "wl_shm", reason: "shared-memory buffers, the baseline way to draw" },
  {
    name: "wl_seat",
    reason: "keyboard, pointer and touch input for its own windows",
  },
  {
    name: "wl_output",
    reason: "monitor scale and geometry, to render sharply",
  },
  {
    name: "wl_data_device_manager",
    reason: "clipboard and drag and drop, as the clipboard policy allows",
  },
  {
    name: "xdg_wm_base",
    reason: "toplevel windows and popups (menus, tooltips)",
  },
  {
    name: "wp_viewporter",
    reason: "scaled and cropped buffers (video, fractional scale)",
  },
  {
    name: "wp_fractional_scale_manager_v1",
    reason: "the preferred fractional scale, to render sharply at 125% or 150%",
  },
  {
    name: "wp_presentation",
    reason: "presentation timing for smooth video and games",
  },
  {
    name: "zxdg_decoration_manager_v1",
    reason: "asking for server-side decorations instead of drawing its own",
  },
  {
    name: "xdg_activation_v1",
    reason: "asking for focus when the user starts an action",
  },
  {
    name: "zwp_text_input_manager_v3",
    reason: "input methods (CJK, emoji) in text fields",
  },
  {
    name: "wp_cursor_shape_manager_v1",
    reason: "named cursor shapes drawn by the compositor",
  },
  {
    name: "zwp_pointer_constraints_v1",
    reason: "locking or confining the pointer to its own surface (games, 3D)",
  },
  {
    name: "zwp_relative_pointer_manager_v1",
    reason: "relative pointer motion, with pointer constraints",
  },
  {
    name: "zwp_idle_inhibit_manager_v1",
    reason: "keeping the screen on while its window shows a video",
  },
  {
    name: "zwp_primary_selection_device_manager_v1",
    reason: "middle-click paste, as the clipboard policy allows",
  },
  {
    name: "zwp_linux_dmabuf_v1",
    reason: "GPU buffers: only useful when waypipe uses the GPU",
  },
  {
    name: "zxdg_output_manager_v1",
    reason: "logical output sizes, for scaled layouts",
  },
  {
    name: "wp_single_pixel_buffer_manager_v1",
    reason: "one-colour buffers for backgrounds, cheaply",
  },
  {
    name: "wp_content_type_manager_v1",
    reason: "hinting photo, video or game content to the compositor",
  },
];

/** The default allow-list's interface names, sorted. */
export function defaultAllowedGlobals(): string[] {
  return DEFAULT_ALLOWED_GLOBALS.map((global) => global.name).sort();
}

/**
 * What the guard announces for a recipe: the default list, plus its
 * `allow`, minus its `deny`; sorted, each name once.
 */
export function effectiveAllowedGlobals(
  policy: Pick<DisplayPolicy, "allow" | "deny">,
): string[] {
  const denied = new Set(policy.deny);
  const names = new Set([...defaultAllowedGlobals(), ...policy.allow]);
  return [...names].filter((name) => !denied.has(name)).sort();
}
