/**
 * Choosing KVM when a guest really runs under it, else TCG — never hanging
 * on a /dev/kvm that opens but does not work.
 *
 * @module
 */
import { deviceAccess } from "../fs/mod.ts";
import { probeGuest } from "./accel_probe.ts";

/** The accelerator to use, and a one-line warning when it is TCG. */
export interface AccelChoice {
  /** `kvm` or `tcg`. */
  accel: "kvm" | "tcg";
  /** Why KVM is not used, for a person. */
  warning?: string;
}

/** How long the KVM probe may take; a working KVM answers in milliseconds. */
const KVM_PROBE_TIMEOUT_MS = 3_000;

/** Probes KVM with `qemu` and falls back to TCG with a warning. */
export async function chooseAccel(
  options: { qemu: string; kvmDevice?: string },
): Promise<AccelChoice> {
  const device = options.kvmDevice ?? "/dev/kvm";
  const problem = deviceAccess(device, {
    uid: Deno.uid() ?? 0,
    gid: Deno.gid() ?? 0,
  });
  if (problem) {
    const fix = problem === "permission denied"
      ? " (qubesify doctor shows how to get access)"
      : "";
    return {
      accel: "tcg",
      warning:
        `${device}: ${problem}${fix}: using TCG emulation, which is much slower`,
    };
  }
  const probe = await probeGuest({
    qemu: options.qemu,
    accel: "kvm",
    timeoutMs: KVM_PROBE_TIMEOUT_MS,
  });
  if (probe.works) return { accel: "kvm" };
  return {
    accel: "tcg",
    warning:
      `KVM does not work here (${probe.reason}): using TCG emulation, which is much slower`,
  };
}
