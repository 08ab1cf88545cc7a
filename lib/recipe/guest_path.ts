/**
 * Paths inside a guest image, as recipes may name them: absolute and
 * already normal, so joining one onto a folder can never leave the folder.
 *
 * @module
 */
import { isPrintable } from "./problem.ts";

/** Linux's NAME_MAX: the longest file name, in bytes. */
const NAME_MAX_BYTES = 255;
/** Linux's PATH_MAX less its terminating NUL. */
const PATH_MAX_BYTES = 4095;

/**
 * Folders the guest init mounts fresh file systems on at boot (see
 * lib/guest/init), so a file put there is never seen; /var/run and
 * /var/lock lead into /run. While the image is built, /dev, /proc and /sys
 * are the build host's, which is one more reason to keep out.
 */
const MOUNTED_AT_BOOT = [
  "/dev",
  "/proc",
  "/run",
  "/sys",
  "/tmp",
  "/var/lock",
  "/var/run",
];

/**
 * What is wrong with `path` as a file's path inside the image, phrased as
 * what is expected; `undefined` when it is a normal absolute path: it
 * starts with `/`, and has no empty (`//`, a trailing `/`), `.` or `..`
 * segments, shows as itself (see {@linkcode isPrintable}), and is not
 * under a folder the guest mounts over at boot.
 *
 * @example
 * ```ts
 * import { guestPathProblem } from "./guest_path.ts";
 * guestPathProblem("/etc/motd"); // undefined
 * guestPathProblem("/etc/../motd"); // 'expected a path without "." or ".." segments, like /etc/motd'
 * ```
 */
export function guestPathProblem(path: string): string | undefined {
  if (!path.startsWith("/")) {
    return "expected an absolute path inside the image, like /etc/motd";
  }
  if (!isPrintable(path)) {
    return "expected a path without control, line break or bidirectional formatting characters";
  }
  const encoder = new TextEncoder();
  if (encoder.encode(path).length > PATH_MAX_BYTES) {
    return `expected a path of at most ${PATH_MAX_BYTES} bytes`;
  }
  for (const segment of path.slice(1).split("/")) {
    if (segment === "") {
      return 'expected a path without empty segments ("//" or a trailing "/"), like /etc/motd';
    }
    if (segment === "." || segment === "..") {
      return 'expected a path without "." or ".." segments, like /etc/motd';
    }
    if (encoder.encode(segment).length > NAME_MAX_BYTES) {
      return `expected file and folder names of at most ${NAME_MAX_BYTES} bytes`;
    }
  }
  const mounted = MOUNTED_AT_BOOT.find((folder) =>
    path === folder || path.startsWith(`${folder}/`)
  );
  if (mounted) {
    return `expected a path outside ${mounted}: the guest mounts a fresh file system there at boot, so the file would never be seen`;
  }
  return undefined;
}
