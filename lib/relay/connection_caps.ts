/**
 * How many connections a relay takes: per VM (CID) and in all, counting
 * those open and those still waiting for a routing decision. Without a
 * cap, one VM's burst of connections holds every fd and every place in
 * the routing queue, and the other VMs wait behind it.
 *
 * @module
 */

/** The caps; the defaults suit a desktop of a few dozen VMs. */
export interface ConnectionLimits {
  /** Connections one CID may have open or pending; default 64. */
  readonly perCid?: number;
  /** Connections the relay takes in all; default 1024. */
  readonly total?: number;
}

/** Default {@linkcode ConnectionLimits.perCid}. */
export const DEFAULT_CONNECTIONS_PER_CID = 64;
/** Default {@linkcode ConnectionLimits.total}. */
export const DEFAULT_CONNECTIONS_TOTAL = 1024;

/** Counts connections against {@linkcode ConnectionLimits}. */
export class ConnectionCaps {
  readonly #perCid: number;
  readonly #total: number;
  readonly #cidOf = new Map<number, number>();
  readonly #countOf = new Map<number, number>();

  /** Caps at `limits`; throws RangeError for a cap below 1. */
  constructor(limits: ConnectionLimits = {}) {
    this.#perCid = limits.perCid ?? DEFAULT_CONNECTIONS_PER_CID;
    this.#total = limits.total ?? DEFAULT_CONNECTIONS_TOTAL;
    for (const cap of [this.#perCid, this.#total]) {
      if (!Number.isInteger(cap) || cap < 1) {
        throw new RangeError(`a connection cap must be 1 or more, not ${cap}`);
      }
    }
  }

  /** Connections counted now. */
  get count(): number {
    return this.#cidOf.size;
  }

  /**
   * Counts connection `id` from `cid`, or returns why it may not be taken
   * (then it is not counted).
   */
  admit(id: number, cid: number): string | undefined {
    const ofCid = this.#countOf.get(cid) ?? 0;
    if (ofCid >= this.#perCid) {
      return `CID ${cid} has ${ofCid} connections open or pending, the most one VM may have`;
    }
    if (this.#cidOf.size >= this.#total) {
      return `${this.#cidOf.size} connections open or pending, the most this relay takes`;
    }
    this.#cidOf.set(id, cid);
    this.#countOf.set(cid, ofCid + 1);
    return undefined;
  }

  /** Stops counting connection `id` (it ended); nothing if it was not counted. */
  release(id: number): void {
    const cid = this.#cidOf.get(id);
    if (cid === undefined) return;
    this.#cidOf.delete(id);
    const left = (this.#countOf.get(cid) ?? 1) - 1;
    if (left === 0) this.#countOf.delete(cid);
    else this.#countOf.set(cid, left);
  }
}
