/**
 * vsock CIDs for VMs: unique across concurrent `qubesify run`s of this user,
 * claimed with exclusively created lock files that name their owner.
 *
 * @module
 */
import { join } from "node:path";
import { isProcessAlive } from "../exec/proc.ts";

/** CIDs 0–2 are reserved (hypervisor, local, host); ours start higher. */
export const FIRST_CID = 100;
/** Enough for any number of VMs one user runs at once. */
export const LAST_CID = 100_000;

/** A claimed CID; `release` gives it back. */
export interface CidClaim {
  /** The CID. */
  cid: number;
  /** Removes the lock file. */
  release(): Promise<void>;
}

/**
 * Claims the lowest free CID in `dir` for process `pid`. Creating the lock
 * file with O_EXCL makes two concurrent claims of one CID impossible; locks
 * whose owner process is gone are taken over. `skip` holds CIDs known to be
 * taken elsewhere (e.g. by another user's VM on the kernel's vsock).
 */
export async function claimCid(
  options: { dir: string; pid: number; skip?: ReadonlySet<number> },
): Promise<CidClaim> {
  await Deno.mkdir(options.dir, { recursive: true });
  for (let cid = FIRST_CID; cid <= LAST_CID; cid++) {
    if (options.skip?.has(cid)) continue;
    const lock = join(options.dir, String(cid));
    if (await tryCreate(lock, options.pid)) {
      return { cid, release: () => Deno.remove(lock).catch(() => {}) };
    }
    if (await ownerIsGone(lock)) {
      // Remove only the stale file we read, then race for it like anyone else.
      await Deno.remove(lock).catch(() => {});
      if (await tryCreate(lock, options.pid)) {
        return { cid, release: () => Deno.remove(lock).catch(() => {}) };
      }
    }
  }
  throw new Error(`no free vsock CID between ${FIRST_CID} and ${LAST_CID}`);
}

async function tryCreate(path: string, pid: number): Promise<boolean> {
  try {
    await Deno.writeTextFile(path, `${pid}\n`, { createNew: true });
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return false;
    throw error;
  }
}

async function ownerIsGone(lock: string): Promise<boolean> {
  const text = await Deno.readTextFile(lock).catch(() => undefined);
  // A lock being written right now has no pid yet: not stale.
  const pid = Number(text?.trim());
  if (!text || !Number.isInteger(pid) || pid <= 0) return false;
  return !await isProcessAlive(pid);
}
