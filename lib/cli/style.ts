/**
 * Terminal styling that disappears when colour is off.
 *
 * @module
 */

/** Colour helpers bound to whether colour is enabled. */
export interface Style {
  /** Marks success. */
  ok(text: string): string;
  /** Marks a warning. */
  warn(text: string): string;
  /** Marks a failure. */
  fail(text: string): string;
  /** De-emphasises secondary text. */
  dim(text: string): string;
  /** Emphasises headings. */
  bold(text: string): string;
}

/** Returns styling helpers that emit ANSI escapes only when `color` is true. */
export function createStyle(color: boolean): Style {
  const wrap = (open: number, close: number) => (text: string) =>
    color ? `\x1b[${open}m${text}\x1b[${close}m` : text;
  return {
    ok: wrap(32, 39),
    warn: wrap(33, 39),
    fail: wrap(31, 39),
    dim: wrap(2, 22),
    bold: wrap(1, 22),
  };
}

/** Formats rows as left-aligned columns separated by two spaces. */
export function formatTable(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => widths[i] = Math.max(widths[i] ?? 0, cell.length));
  }
  return rows.map((row) =>
    row.map((cell, i) => i === row.length - 1 ? cell : cell.padEnd(widths[i]))
      .join("  ")
  ).join("\n") + (rows.length ? "\n" : "");
}
