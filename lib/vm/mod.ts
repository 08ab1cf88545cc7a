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
export { type Claim, claimFirstFree } from "./claim.ts";
export { claimHomeDisk } from "./home_disk.ts";
export {
  DEFAULT_HUGETLBFS_DIR,
  findHugetlbfsDir,
  HugepagesUnavailableError,
} from "./hugepages.ts";
export {
  kernelCmdline,
  type MicroVm,
  qemuArgs,
  type VmNetwork,
} from "./qemu_args.ts";
export { smokeTest, type SmokeTestOptions } from "./smoke_boot.ts";
export { NoWaylandSessionError } from "./waypipe_client.ts";
export { runApp, type RunAppOptions, type RunAppResult } from "./run_app.ts";
export { createSanitizer } from "./sanitize.ts";
