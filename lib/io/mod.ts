/**
 * Small I/O helpers every layer uses: writing a whole buffer, and closing
 * what may be closed already.
 *
 * @module
 */
export { closeQuietly } from "./close_quietly.ts";
export {
  type AsyncWriter,
  type SyncWriter,
  writeAll,
  writeAllSync,
} from "./write_all.ts";
