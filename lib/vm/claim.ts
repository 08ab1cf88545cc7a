/**
 * Claiming one of a set of named resources (vsock CIDs, TAP devices) for a
 * VM, unique across concurrent `qubesify run`s of this user: each claim is a
 * lock file created with O_EXCL that names its owner process.
 *
 * @module
 */
import { join } from "node:path";
import { isProcessAlive } from "../exec/mod.ts";

/**
 * A claimed resource; `release` (or leaving an `await using` scope) gives
 * it back.
 */
export interface Claim extends AsyncDisposable {
  /** The resource's name, as given in the candidates. */
  name: string;
  /** Removes the lock file. */
  release(): Promise<void>;
}

/**
 * Claims the first candidate whose lock in `dir` is free or held by a
 * process that is gone, and which `usable` accepts (checked after the lock
 * is held, so two runs never test the same resource at once). Resolves
 * undefined when none is left.
 */
export async function claimFirstFree(
  options: {
    dir: string;
    pid: number;
    candidates: Iterable<string>;
    usable?: (name: string) => Promise<boolean>;
  },
): Promise<Claim | undefined> {
  await Deno.mkdir(options.dir, { recursive: true });
  for (const name of options.candidates) {
    const lock = join(options.dir, name);
    let held = await tryCreate(lock, options.pid);
    if (!held && await ownerIsGone(lock)) {
      // Remove only the stale file we read, then race for it like anyone else.
      await Deno.remove(lock).catch(() => {});
      held = await tryCreate(lock, options.pid);
    }
    if (!held) continue;
    const release = () => Deno.remove(lock).catch(() => {});
    if (!options.usable || await options.usable(name)) {
      return { name, release, [Symbol.asyncDispose]: release };
    }
    await release();
  }
  return undefined;
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
