/**
 * What a VM's windows are called on the host, whatever the guest asks for:
 * the title starts with the recipe's label in brackets, and the app id is
 * qubesify's, so the desktop groups the window under the entry
 * `desktop install` wrote and shows its icon.
 *
 * @module
 */

/** Longest title passed on; the rest of a longer one is cut. */
export const MAX_TITLE_LENGTH = 512;

/** Control characters and bidi marks and overrides. */
const UNSAFE_CHARACTERS =
  // deno-lint-ignore no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `[<label>] <title>`, with control characters (which could fake a second
 * line or reorder the text) turned into spaces.
 *
 * @example
 * ```ts
 * import { labelledTitle } from "./window_label.ts";
 * labelledTitle("work", "Inbox"); // "[work] Inbox"
 * ```
 */
export function labelledTitle(label: string, title: string): string {
  const clean = title.slice(0, MAX_TITLE_LENGTH).replace(
    UNSAFE_CHARACTERS,
    " ",
  );
  return `[${label}] ${clean}`;
}

/** The app id every window of `app` carries: `qubesify-<app>`. */
export function qubesifyAppId(app: string): string {
  return `qubesify-${app}`;
}
