/**
 * Installing, removing and inspecting the rebuild timer through
 * `systemctl --user`.
 *
 * @module
 */
import { join } from "node:path";
import { capture, findExecutable } from "../exec/mod.ts";
import {
  type ScheduleUnits,
  serviceUnit,
  timerUnit,
  UNIT_NAME,
} from "./units.ts";
import { QubesifyError } from "../errors/mod.ts";

/** Where the units go and how systemctl is found. */
export interface ScheduleHost {
  /** `~/.config/systemd/user`. */
  unitDir: string;
  /** PATH searched for systemctl. */
  path: string;
}

/** A failure, with systemctl's own words. */
export class ScheduleError extends QubesifyError {
  /** Wraps a one-line reason. */
  constructor(message: string) {
    super(message);
  }
}

const TIMER = `${UNIT_NAME}.timer`;
const SERVICE = `${UNIT_NAME}.service`;

async function systemctl(host: ScheduleHost, args: string[]): Promise<string> {
  const program = await findExecutable("systemctl", host.path);
  if (!program) {
    throw new ScheduleError(
      "systemctl not found: the rebuild schedule needs a systemd user session",
    );
  }
  const result = await capture({
    program,
    args: ["--user", ...args],
    timeoutMs: 30_000,
  });
  if (result.code !== 0) {
    const said = (result.stderr || result.stdout).trim().split("\n")[0];
    throw new ScheduleError(
      `systemctl --user ${args.join(" ")} failed: ${said}`,
    );
  }
  return result.stdout;
}

/** Writes both units and starts the timer; on failure nothing stays installed. */
export async function enableSchedule(
  host: ScheduleHost,
  units: ScheduleUnits,
): Promise<void> {
  const service = serviceUnit(units);
  const timer = timerUnit(units);
  await Deno.mkdir(host.unitDir, { recursive: true });
  await Deno.writeTextFile(join(host.unitDir, SERVICE), service);
  await Deno.writeTextFile(join(host.unitDir, TIMER), timer);
  try {
    await systemctl(host, ["daemon-reload"]);
    await systemctl(host, ["enable", "--now", TIMER]);
  } catch (error) {
    await removeUnits(host);
    throw error;
  }
}

/** Stops the timer and removes both units. */
export async function disableSchedule(host: ScheduleHost): Promise<boolean> {
  const installed = await isInstalled(host);
  if (installed) await systemctl(host, ["disable", "--now", TIMER]);
  await removeUnits(host);
  if (installed) await systemctl(host, ["daemon-reload"]);
  return installed;
}

/** What `schedule status` shows. */
export interface ScheduleStatus {
  /** Whether the units are installed. */
  installed: boolean;
  /** The timer's and the last run's properties, as systemd names them. */
  properties: Record<string, string>;
}

const TIMER_PROPERTIES = [
  "ActiveState",
  "NextElapseUSecRealtime",
  "LastTriggerUSec",
];
const SERVICE_PROPERTIES = [
  "Result",
  "ExecMainStatus",
  "ExecMainExitTimestamp",
];

/** Reads the timer's state and the last rebuild's result. */
export async function scheduleStatus(
  host: ScheduleHost,
): Promise<ScheduleStatus> {
  if (!await isInstalled(host)) return { installed: false, properties: {} };
  const timer = await systemctl(host, [
    "show",
    TIMER,
    `--property=${TIMER_PROPERTIES.join(",")}`,
  ]);
  const service = await systemctl(host, [
    "show",
    SERVICE,
    `--property=${SERVICE_PROPERTIES.join(",")}`,
  ]);
  return {
    installed: true,
    properties: parseProperties(`${timer}\n${service}`),
  };
}

/** Parses `systemctl show` output (`Key=value` lines). */
export function parseProperties(text: string): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const equals = line.indexOf("=");
    if (equals > 0) properties[line.slice(0, equals)] = line.slice(equals + 1);
  }
  return properties;
}

async function isInstalled(host: ScheduleHost): Promise<boolean> {
  return await Deno.stat(join(host.unitDir, TIMER)).then(
    () => true,
    () => false,
  );
}

async function removeUnits(host: ScheduleHost): Promise<void> {
  for (const unit of [TIMER, SERVICE]) {
    await Deno.remove(join(host.unitDir, unit)).catch(() => {});
  }
}
