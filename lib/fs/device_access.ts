/**
 * Whether this user may open a device file for reading and writing,
 * judged from its mode bits, read through libc's stat(2): Deno opens and
 * even stats device files only with every permission granted, and the
 * orchestrator runs with fewer.
 *
 * @module
 */
import { type FileOwnership, LibcError, openLibc } from "../ffi/mod.ts";

/** Who asks: the user's uid and primary gid. */
export interface DeviceUser {
  /** The user's uid. */
  uid: number;
  /** The user's primary gid. */
  gid: number;
}

/**
 * `undefined` when the device may be opened read-write, else why not.
 * Supplementary groups are not visible here, so a group-only device
 * counts as accessible when its group is the user's primary one.
 */
export function deviceAccess(
  path: string,
  user: DeviceUser,
): "does not exist" | "permission denied" | undefined {
  let info: FileOwnership;
  try {
    using libc = openLibc();
    info = libc.stat(path);
  } catch (error) {
    if (!(error instanceof LibcError)) throw error;
    if (error.code === "EACCES") return "permission denied";
    if (error.code === "ENOENT" || error.code === "ENOTDIR") {
      return "does not exist";
    }
    throw error;
  }
  if (user.uid === 0) return undefined;
  const mode = info.mode;
  const shift = info.uid === user.uid ? 6 : info.gid === user.gid ? 3 : 0;
  return ((mode >> shift) & 0o6) === 0o6 ? undefined : "permission denied";
}
