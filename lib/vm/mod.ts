/**
 * Micro VMs: the QEMU command line, the launch spec and control port of the
 * guest contract, booting a VM to completion, and `run`'s lifecycle.
 *
 * @module
 */
export { type AccelChoice, chooseAccel } from "./accel.ts";
export {
  type GuestProbeOptions,
  type GuestProbeResult,
  probeGuest,
} from "./accel_probe.ts";
export { type BootOptions, type BootResult, bootVm } from "./boot.ts";
export { type CidClaim, claimCid } from "./cid.ts";
export { type ControlReport, parseControlReport } from "./control_report.ts";
export {
  encodeLaunchSpec,
  frameLaunchSpec,
  type LaunchSpec,
  SERVICE_PORTS,
} from "./launch_spec.ts";
export { kernelCmdline, type MicroVm, qemuArgs } from "./qemu_args.ts";
export { runApp, type RunAppOptions, type RunAppResult } from "./run_app.ts";
export { createSanitizer } from "./sanitize.ts";
