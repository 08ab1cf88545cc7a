/**
 * Small I/O helpers every layer uses: writing a whole buffer, closing what
 * may be closed already, and folding log entries a guest can repeat.
 *
 * @module
 */
export { closeQuietly } from "./close_quietly.ts";
export { concatBytes } from "./concat_bytes.ts";
export { RepeatFolder, type RepeatFolderOptions } from "./repeat_folder.ts";
export {
  type AsyncWriter,
  type SyncWriter,
  writeAll,
  writeAllSync,
} from "./write_all.ts";
