/**
 * Starting QEMU with the user's own rights and nobody else's. QEMU parses
 * every byte the guest's devices produce, so a bug there hands the guest
 * whatever QEMU runs as; that must be the user qubesify runs for, never
 * root. Our argv never asks for more (no `-runas`, no helpers, and the
 * seccomp sandbox of qemu_args.ts forbids set*uid, fork and exec), so
 * what remains is the binary itself: a set-user-ID or set-group-ID
 * `qemu-system-x86_64` (some setups mark it so for /dev/kvm or TAP access)
 * runs as its owner, and is refused.
 *
 * The check is on the file, not on the started process: Deno's spawn
 * returns before the kernel has committed the new program's credentials,
 * so /proc/<pid>/status read then may still show the parent's.
 *
 * @module
 */
import { QubesifyError } from "../errors/mod.ts";

/** QEMU would run with rights other than the user's. */
export class QemuPrivilegeError extends QubesifyError {}

/** A user's ids. */
export interface Ids {
  /** User id. */
  uid: number;
  /** Primary group id. */
  gid: number;
}

const SET_USER_ID = 0o4000;
const SET_GROUP_ID = 0o2000;

/**
 * Why running a program whose file is `file` would give it rights other
 * than `user`'s, or undefined when it runs as `user`.
 */
export function privilegeChange(
  file: Pick<Deno.FileInfo, "mode" | "uid" | "gid">,
  user: Ids,
): string | undefined {
  const mode = file.mode ?? 0;
  if (mode & SET_USER_ID && file.uid !== user.uid) {
    return `is set-user-ID (chmod u+s), so it would run as uid ${file.uid}`;
  }
  if (mode & SET_GROUP_ID && file.gid !== user.gid) {
    return `is set-group-ID (chmod g+s), so it would run as gid ${file.gid}`;
  }
  return undefined;
}

/** How {@linkcode spawnQemu} starts QEMU. */
export interface QemuSpawnOptions {
  /** QEMU's argv, without the program. */
  args: string[];
  /** Where QEMU's stdout goes. */
  stdout: "piped" | "null";
  /** Where QEMU's stderr goes. */
  stderr: "piped" | "null";
}

/**
 * Starts `qemu` (stdin closed), or throws {@linkcode QemuPrivilegeError}
 * without starting it when it would not run with the user's rights.
 *
 * @example
 * ```ts ignore
 * import { spawnQemu } from "./qemu_process.ts";
 * const child = await spawnQemu("/usr/bin/qemu-system-x86_64", {
 *   args: ["-version"],
 *   stdout: "piped",
 *   stderr: "null",
 * });
 * console.log(await new Response(child.stdout).text());
 * ```
 */
export async function spawnQemu(
  qemu: string,
  options: QemuSpawnOptions,
): Promise<Deno.ChildProcess> {
  const user = { uid: Deno.uid() ?? 0, gid: Deno.gid() ?? 0 };
  const change = privilegeChange(await Deno.stat(qemu), user);
  if (change) {
    throw new QemuPrivilegeError(
      `${qemu} ${change}; qubesify runs QEMU only with your own rights, so ` +
        "a guest that breaks out of it gains nothing: remove the bit " +
        `(sudo chmod ug-s ${qemu}) and give your user access to /dev/kvm ` +
        "instead (qubesify doctor shows how)",
    );
  }
  return new Deno.Command(qemu, {
    args: options.args,
    stdin: "null",
    stdout: options.stdout,
    stderr: options.stderr,
  }).spawn();
}
