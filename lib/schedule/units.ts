/**
 * The systemd user units behind `qubesify schedule`: a oneshot service that
 * rebuilds everything from scratch, and a timer that starts it.
 *
 * @module
 */

/** Base name of both units. */
export const UNIT_NAME = "qubesify-rebuild";

/** What the units run and when. */
export interface ScheduleUnits {
  /** argv of the rebuild, starting with an absolute program path. */
  command: readonly string[];
  /** systemd `OnCalendar=` expression, e.g. `weekly` or `Sun 03:00`. */
  calendar: string;
}

/**
 * Quotes one ExecStart argument: double quotes with `\` and `"` escaped,
 * and `%` and `$` doubled so systemd neither expands specifiers nor
 * variables in it.
 */
export function systemdQuote(argument: string): string {
  if (/[\0\n]/.test(argument)) {
    throw new RangeError("a systemd argument cannot contain NUL or a newline");
  }
  const escaped = argument.replace(/[\\"]/g, "\\$&").replaceAll("%", "%%")
    .replaceAll("$", "$$$$");
  return `"${escaped}"`;
}

/** Renders `<name>.service`. */
export function serviceUnit(units: ScheduleUnits): string {
  if (!units.command[0]?.startsWith("/")) {
    throw new RangeError("the rebuild command needs an absolute program path");
  }
  return [
    "[Unit]",
    "Description=Rebuild the qubesify kernel and templates from scratch",
    "Documentation=man:qubesify(1)",
    "",
    "[Service]",
    "Type=oneshot",
    `ExecStart=${units.command.map(systemdQuote).join(" ")}`,
    // A rebuild is background work: keep it out of the desktop's way.
    "Nice=10",
    "IOSchedulingClass=idle",
    "",
  ].join("\n");
}

/** Renders `<name>.timer`. */
export function timerUnit(units: ScheduleUnits): string {
  if (!/^[\w:*,./~ -]+$/.test(units.calendar)) {
    throw new RangeError(
      `"${units.calendar}" is not a calendar expression like weekly or "Sun 03:00"`,
    );
  }
  return [
    "[Unit]",
    "Description=Rebuild the qubesify kernel and templates regularly",
    "",
    "[Timer]",
    `OnCalendar=${units.calendar}`,
    // Catch up after the machine was off, without all users rebuilding at once.
    "Persistent=true",
    "RandomizedDelaySec=1h",
    "",
    "[Install]",
    "WantedBy=timers.target",
    "",
  ].join("\n");
}
