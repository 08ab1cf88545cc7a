/**
 * Which keys carry which letters, read from the keymap the compositor
 * sends each keyboard (`wl_keyboard.keymap`, xkb text format): the
 * clipboard chords are Ctrl+Shift with the keys that type C and V on the
 * user's layout, not with the keys where a US layout has them. Only what
 * the chords need is read: keycode names and numbers, and each key's first
 * symbol of its first group.
 *
 * @module
 */

/** The most keymap text the guard reads. */
export const MAX_KEYMAP_BYTES = 1024 * 1024;

/** xkb keycodes are evdev codes plus 8. */
const EVDEV_OFFSET = 8;

/**
 * The evdev key code that types each of `letters` (first group, first
 * level), as far as the keymap says.
 *
 * @example
 * ```ts
 * import { letterKeys } from "./xkb_keys.ts";
 * const keymap = `xkb_keycodes { <AB04> = 55; };
 * xkb_symbols { key <AB04> { [ v, V ] }; };`;
 * letterKeys(keymap, ["v"]).get("v"); // 47
 * ```
 */
export function letterKeys(
  keymap: string,
  letters: readonly string[],
): Map<string, number> {
  const codes = new Map<string, number>();
  const keycodes = section(keymap, "xkb_keycodes");
  for (
    const [, name, code] of keycodes.matchAll(/<([^>\s]+)>\s*=\s*(\d+)\s*;/g)
  ) {
    codes.set(name, Number(code));
  }
  for (
    const [, alias, target] of keycodes.matchAll(
      /alias\s*<([^>\s]+)>\s*=\s*<([^>\s]+)>\s*;/g,
    )
  ) {
    const code = codes.get(target);
    if (code !== undefined) codes.set(alias, code);
  }
  const wanted = new Set(letters);
  const found = new Map<string, number>();
  const symbols = section(keymap, "xkb_symbols");
  for (
    const [, name, body] of symbols.matchAll(/key\s*<([^>\s]+)>\s*\{([^}]*)\}/g)
  ) {
    const group = /symbols\s*\[\s*group1\s*\]\s*=\s*\[([^\]]*)\]/i.exec(body) ??
      /\[([^\]]*)\]/.exec(body);
    const first = group?.[1].split(",")[0].trim();
    const code = codes.get(name);
    if (!first || code === undefined || !wanted.has(first)) continue;
    if (!found.has(first)) found.set(first, code - EVDEV_OFFSET);
  }
  return found;
}

/** The text of the keymap's `kind` section, or "" when it has none. */
function section(keymap: string, kind: string): string {
  const start = keymap.indexOf(kind);
  if (start < 0) return "";
  const open = keymap.indexOf("{", start);
  if (open < 0) return "";
  let depth = 0;
  for (let i = open; i < keymap.length; i++) {
    if (keymap[i] === "{") depth++;
    else if (keymap[i] === "}" && --depth === 0) {
      return keymap.slice(open + 1, i);
    }
  }
  return keymap.slice(open + 1);
}
