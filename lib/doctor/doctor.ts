/**
 * `qubesify doctor`: run every check and weigh it against what an app needs.
 *
 * @module
 */
import type { AppRecipe } from "../recipe/mod.ts";
import { probeGuest } from "../vm/mod.ts";
import { readKernelFile } from "../exec/mod.ts";
import type { CheckOutcome, DoctorHost } from "./check.ts";
import { CHECKS } from "./checks.ts";

/** How a check counts once requirements are applied. */
export type CheckStatus = "ok" | "warn" | "fail";

/** A check's outcome, whether the app needs it, and the resulting status. */
export interface CheckReport extends CheckOutcome {
  /** Whether the app cannot run without it. */
  required: boolean;
  /** `fail` only for a missing requirement; other shortfalls are `warn`. */
  status: CheckStatus;
}

/** The whole doctor verdict. */
export interface DoctorReport {
  /** The app whose needs decided what is required. */
  app: string;
  /** True when nothing required is missing. */
  ok: boolean;
  /** Every check, in a fixed order. */
  checks: CheckReport[];
}

/** The ids of the checks an app cannot run without. */
export function requiredChecks(
  app: Pick<AppRecipe, "display" | "audio" | "network">,
): Set<string> {
  const required = new Set(["qemu", "mmdebstrap", "mke2fs", "kernel-tools"]);
  if (app.display === "wayland") {
    required.add("waypipe");
    required.add("wayland");
  }
  if (app.audio !== "none") required.add("pulse");
  if (app.network.mode === "tap") required.add("tap");
  return required;
}

/** Runs every check on `host` and judges them by what `app` needs. */
export async function runDoctor(
  options: { host: DoctorHost; app: AppRecipe },
): Promise<DoctorReport> {
  const required = requiredChecks(options.app);
  const outcomes = await Promise.all(
    CHECKS.map((check) => check(options.host)),
  );
  const checks = outcomes.map((outcome): CheckReport => {
    const isRequired = required.has(outcome.id);
    const status: CheckStatus = outcome.finding === "ok"
      ? "ok"
      : outcome.finding === "missing" && isRequired
      ? "fail"
      : "warn";
    return { ...outcome, required: isRequired, status };
  });
  return {
    app: options.app.name,
    ok: checks.every((check) => check.status !== "fail"),
    checks,
  };
}

/** How long a probe guest may take before its accelerator or device is declared unusable. */
export const PROBE_TIMEOUT_MS = 5_000;

/** The host as this process sees it. */
export function processHost(): DoctorHost {
  return {
    path: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    runtimeDir: Deno.env.get("XDG_RUNTIME_DIR"),
    waylandDisplay: Deno.env.get("WAYLAND_DISPLAY"),
    uid: Deno.uid() ?? 0,
    gid: Deno.gid() ?? 0,
    files: {
      kvm: "/dev/kvm",
      vhostVsock: "/dev/vhost-vsock",
      tun: "/dev/net/tun",
      mounts: "/proc/mounts",
      meminfo: "/proc/meminfo",
    },
    readSystemFile: readKernelFile,
    probeGuest: (options) =>
      probeGuest({ ...options, timeoutMs: PROBE_TIMEOUT_MS }),
  };
}
