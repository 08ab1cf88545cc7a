/**
 * vsock CIDs for VMs, unique across concurrent `qubesify run`s of this user.
 *
 * @module
 */
import { QubesifyError } from "../errors/mod.ts";
import { type Claim, claimFirstFree } from "./claim.ts";

/** Every CID qubesify may give a VM is claimed. */
export class NoFreeCidError extends QubesifyError {}

/** CIDs 0–2 are reserved (hypervisor, local, host); ours start higher. */
export const FIRST_CID = 100;
/** Enough for any number of VMs one user runs at once. */
export const LAST_CID = 100_000;

/** A claimed CID; `release` (or leaving an `await using` scope) gives it back. */
export interface CidClaim extends AsyncDisposable {
  /** The CID. */
  cid: number;
  /** Removes the lock file. */
  release(): Promise<void>;
}

/**
 * Claims the lowest free CID in `dir` for process `pid`. `skip` holds CIDs
 * known to be taken elsewhere (e.g. by another user's VM on the kernel's
 * vsock, which has one CID namespace for everyone).
 */
export async function claimCid(
  options: { dir: string; pid: number; skip?: ReadonlySet<number> },
): Promise<CidClaim> {
  const claim: Claim | undefined = await claimFirstFree({
    dir: options.dir,
    pid: options.pid,
    candidates: candidates(options.skip),
  });
  if (!claim) {
    throw new NoFreeCidError(
      `no free vsock CID between ${FIRST_CID} and ${LAST_CID}; stop some VMs (qubesify ls)`,
    );
  }
  return {
    cid: Number(claim.name),
    release: claim.release,
    [Symbol.asyncDispose]: claim.release,
  };
}

function* candidates(skip?: ReadonlySet<number>): Iterable<string> {
  for (let cid = FIRST_CID; cid <= LAST_CID; cid++) {
    if (!skip?.has(cid)) yield String(cid);
  }
}
