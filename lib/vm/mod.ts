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
export { claimHomeDisk, homeDiskPath } from "./home_disk.ts";
export {
  acquireHugepageCopy,
  type HugepageCopyOptions,
  releaseHugepageCopy,
} from "./hugepage_copy.ts";
export {
  availablePages,
  DEFAULT_HUGETLBFS_DIR,
  findHugetlbfsDir,
  HugepagesUnavailableError,
  parseHugetlbfsMounts,
  parseMeminfo,
} from "./hugepage_pool.ts";
export {
  kernelCmdline,
  type MicroVm,
  qemuArgs,
  type VmNetwork,
} from "./qemu_args.ts";
export { smokeTest, type SmokeTestOptions } from "./smoke_boot.ts";
export { NoWaylandSessionError, waypipeClientArgs } from "./waypipe_client.ts";
export { pulseSocketPath } from "./host_services.ts";
export {
  ArtefactMissingError,
  type Artefacts,
  buildTemplates,
  type BuildTemplatesOptions,
  resolveArtefacts,
} from "./artefacts.ts";
export { describeFailure } from "./failure_report.ts";
export {
  launchApp,
  type LaunchEnvironment,
  type LaunchOptions,
} from "./launch.ts";
export {
  claimNetwork,
  type NetworkClaim,
  NoTapDeviceError,
} from "./network_claim.ts";
export { runApp, type RunAppOptions, type RunAppResult } from "./run_app.ts";
export {
  chooseVsock,
  KernelVsockUnavailableError,
  VHOST_VSOCK,
  type VsockKind,
  type VsockMode,
} from "./vsock_choice.ts";
export { createSanitizer } from "./sanitize.ts";
