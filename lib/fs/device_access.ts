/**
 * Whether this user may open a device file for reading and writing,
 * judged from its mode bits: Deno opens device files only with every
 * permission granted, and the orchestrator runs with fewer.
 *
 * @module
 */

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
export async function deviceAccess(
  path: string,
  user: DeviceUser,
): Promise<"does not exist" | "permission denied" | undefined> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch {
    return "does not exist";
  }
  if (user.uid === 0) return undefined;
  const mode = info.mode ?? 0;
  const shift = info.uid === user.uid ? 6 : info.gid === user.gid ? 3 : 0;
  return ((mode >> shift) & 0o6) === 0o6 ? undefined : "permission denied";
}
