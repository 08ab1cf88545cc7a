/**
 * A recipe's `display:`: whether the app gets a Wayland display, and what
 * the display guard lets through to the compositor. `display: wayland` and
 * `display: none` are short for `{mode: wayland}` and `{mode: none}`.
 *
 * Interface names are checked for shape only: the list of interfaces the
 * guard knows lives in lib/display, above this layer. The guard ignores
 * names it does not know, and `qubesify recipe show` prints the effective
 * list, so a typo is visible there.
 *
 * @module
 */
import { z } from "zod";
import { closedObject } from "./closed_object.ts";

/** How the guard treats the clipboard (and primary selection). */
export type ClipboardMode = "explicit" | "shared" | "none";

/** What the display guard lets through, as a recipe asks for it. */
export interface DisplayPolicy {
  /** Interfaces added to the guard's default allow-list. */
  allow: string[];
  /** Interfaces removed from it. */
  deny: string[];
  /**
   * `explicit` (default): the guest gets the host's clipboard on
   * Ctrl+Shift+V and gives its own on Ctrl+Shift+C; `shared`: as on the
   * host; `none`: never.
   */
  clipboard: ClipboardMode;
}

const INTERFACE_RULE =
  "expected a Wayland interface name like zwp_tablet_manager_v2";

const interfaceList = z.array(
  z.string({ error: INTERFACE_RULE }).regex(/^[a-z][a-z0-9_]*$/, {
    error: INTERFACE_RULE,
  }),
  { error: "expected a list of Wayland interface names" },
);

const DISPLAY_FORMS =
  "expected wayland, none, or a mapping like {mode: wayland, clipboard: explicit}";

/** What each wayland-only key is called in errors. */
const WAYLAND_ONLY = {
  allow: "an allow-list",
  deny: "a deny-list",
  clipboard: "a clipboard mode",
} as const;

const displayObject = closedObject({
  mode: z.enum(["wayland", "none"], {
    error: "expected one of: wayland, none",
  }).default("wayland"),
  allow: interfaceList.optional(),
  deny: interfaceList.optional(),
  clipboard: z.enum(["explicit", "shared", "none"], {
    error: "expected one of: explicit, shared, none",
  }).optional(),
}, DISPLAY_FORMS).check((ctx) => {
  const { mode, allow = [], deny = [] } = ctx.value;
  if (mode === "none") {
    for (const key of ["allow", "deny", "clipboard"] as const) {
      if (ctx.value[key] === undefined) continue;
      ctx.issues.push({
        code: "custom",
        input: ctx.value,
        path: [key],
        message: `${
          WAYLAND_ONLY[key]
        } only applies with mode: wayland, not mode: none`,
      });
    }
  }
  for (const [index, name] of deny.entries()) {
    if (!allow.includes(name)) continue;
    ctx.issues.push({
      code: "custom",
      input: ctx.value,
      path: ["deny", index],
      message: `"${name}" is also in allow; keep it in one of the two`,
    });
  }
}).transform(({ mode, allow, deny, clipboard }) => ({
  mode,
  policy: {
    allow: allow ?? [],
    deny: deny ?? [],
    clipboard: clipboard ?? "explicit",
  } satisfies DisplayPolicy,
}));

/**
 * `display:` in any of its forms, absent included (a Wayland display with
 * the default policy).
 */
export const displaySchema = z.preprocess(
  (display) =>
    display === undefined
      ? {}
      : typeof display === "string"
      ? { mode: display }
      : display,
  displayObject,
);
