/**
 * Where qubesify keeps things (XDG configuration, data and runtime folders,
 * with `QUBESIFY_*_DIR` overrides) and the per-VM records in the runtime
 * folder that `ls`, `stop`, the relays and the guards read.
 *
 * @example
 * ```ts
 * import { currentStatePaths, readLiveVmRecords } from "./mod.ts";
 * const paths = currentStatePaths();
 * const running = await readLiveVmRecords(paths.runtime);
 * ```
 *
 * @module
 */
export {
  currentStatePaths,
  resolveStatePaths,
  type StateEnvironment,
  type StatePaths,
} from "./paths.ts";
export {
  liveVmRecordReader,
  parseVmRecord,
  readLiveVmRecords,
  removeDeadVmDirs,
  type VmRecord,
  vmRecordPath,
  type VmRecordReaderOptions,
} from "./vm_records.ts";
