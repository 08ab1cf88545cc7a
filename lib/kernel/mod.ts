/**
 * The micro VM guest kernel: building it from `tinyconfig` plus the
 * fragments in `kernel/`, and finding built kernels in the cache.
 *
 * @module
 */
export {
  buildKernel,
  type BuildKernelOptions,
  type BuiltKernel,
} from "./build.ts";
export {
  type CachedKernel,
  findCachedKernel,
  type KernelManifest,
  kernelsDir,
  listKernels,
} from "./cache.ts";
export { KernelBuildAborted, KernelBuildError } from "./errors.ts";
export { HashMismatchError } from "./download.ts";
export { DEFAULT_KERNEL_DIR } from "./fragments.ts";
export {
  type BuildTool,
  installLines,
  KERNEL_BUILD_TOOLS,
  missingBuildTools,
} from "./build_tools.ts";
