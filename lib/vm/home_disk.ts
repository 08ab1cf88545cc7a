/**
 * `persist: home`: the one thing a VM keeps, its user's home folder, on a
 * per-app ext4 disk under the data folder. Only one VM at a time may use
 * it (ext4 mounted twice is corrupted), so it is claimed like a TAP
 * device; it is created on first use, sparse, so it takes only what the
 * app writes.
 *
 * @module
 */
import { join } from "node:path";
import { capture } from "../exec/mod.ts";
import { type Claim, claimFirstFree } from "./claim.ts";
import { QubesifyError } from "../errors/mod.ts";

/** Size of a new home disk; sparse, so unused space costs nothing. */
export const HOME_DISK_BYTES = 8 * 2 ** 30;

/** Where the home disk of `app` lives. */
export function homeDiskPath(dataDir: string, app: string): string {
  return join(dataDir, "homes", `${app}.ext4`);
}

/** Another VM of the app has the disk. */
export class HomeDiskBusyError extends QubesifyError {
  /** Names the app whose home is taken. */
  constructor(app: string) {
    super(
      `the home disk of ${app} is in use by another VM of it; ` +
        "stop that one first (qubesify ls, qubesify stop)",
    );
  }
}

/** What {@linkcode claimHomeDisk} needs. */
export interface HomeDiskOptions {
  /** The app recipe's name. */
  app: string;
  /** The data folder (disks live in `homes/` there). */
  dataDir: string;
  /** Where claims live (the runtime folder's claim folder). */
  claimsDir: string;
  /** Path of mke2fs. */
  mke2fs: string;
  /** Size of a new disk; default {@linkcode HOME_DISK_BYTES}. */
  sizeBytes?: number;
}

/**
 * Claims the app's home disk, creating it when missing; release the claim
 * when the VM is gone. Throws {@linkcode HomeDiskBusyError} while another
 * VM of the app holds it.
 */
export async function claimHomeDisk(
  options: HomeDiskOptions,
): Promise<Claim & { path: string }> {
  const claim = await claimFirstFree({
    dir: join(options.claimsDir, "homes"),
    pid: Deno.pid,
    candidates: [options.app],
  });
  if (!claim) throw new HomeDiskBusyError(options.app);
  const path = homeDiskPath(options.dataDir, options.app);
  try {
    const exists = await Deno.stat(path).then(() => true, () => false);
    if (!exists) await createDisk(path, options);
  } catch (error) {
    await claim.release();
    throw error;
  }
  return { ...claim, path };
}

/** mke2fs into a temporary name, renamed when complete. */
async function createDisk(path: string, options: HomeDiskOptions) {
  await Deno.mkdir(join(path, ".."), { recursive: true, mode: 0o700 });
  const partial = `${path}.partial`;
  await Deno.remove(partial).catch(() => {});
  const sizeKiB = Math.floor((options.sizeBytes ?? HOME_DISK_BYTES) / 1024);
  const result = await capture({
    program: options.mke2fs,
    args: ["-q", "-F", "-t", "ext4", "-L", "home", partial, `${sizeKiB}k`],
    timeoutMs: 60_000,
  });
  if (result.code !== 0) {
    await Deno.remove(partial).catch(() => {});
    throw new Error(
      `cannot create the home disk ${path}: ${result.stderr.trim()}`,
    );
  }
  await Deno.chmod(partial, 0o600);
  await Deno.rename(partial, path);
}
