/**
 * freedesktop.org desktop entries that start an app in a disposable VM, so
 * it is one click away in the desktop's app menu.
 *
 * @module
 */

/** What the entry shows and runs. */
export interface DesktopEntry {
  /** App recipe name (also the file name: `qubesify-<app>.desktop`). */
  app: string;
  /** The menu label. */
  label: string;
  /** argv that starts qubesify; `run <app>` is appended. */
  qubesify: readonly string[];
}

/** File name of the entry for `app`. */
export function desktopFileName(app: string): string {
  return `qubesify-${app}.desktop`;
}

/**
 * Quotes one Exec argument per the Desktop Entry Specification: reserved
 * characters need double quotes, inside which `"`, `` ` ``, `$` and `\` are
 * escaped; `%` is doubled (field codes); and the whole value is then a
 * string whose backslashes are escaped once more.
 */
export function quoteExecArgument(argument: string): string {
  if (/[\0\n\r]/.test(argument)) {
    throw new RangeError("an Exec argument cannot contain NUL or line breaks");
  }
  let quoted = argument.replaceAll("%", "%%");
  if (/[\s"'\\><~|&;$*?#()`]/.test(quoted) || quoted === "") {
    quoted = `"${quoted.replace(/["`$\\]/g, "\\$&")}"`;
  }
  return quoted.replaceAll("\\", "\\\\");
}

/** Renders the `.desktop` file. */
export function renderDesktopEntry(entry: DesktopEntry): string {
  const exec = [...entry.qubesify, "run", entry.app].map(quoteExecArgument)
    .join(" ");
  const text = (value: string) =>
    value.replaceAll("\\", "\\\\").replace(/[\n\r\t]/g, " ");
  return [
    "[Desktop Entry]",
    "Type=Application",
    `Name=${text(entry.label)} (disposable VM)`,
    `Comment=${text(`Runs ${entry.app} in a disposable qubesify micro VM`)}`,
    `Exec=${exec}`,
    "Terminal=false",
    "Categories=Utility;",
    `X-Qubesify-App=${text(entry.app)}`,
    "",
  ].join("\n");
}
