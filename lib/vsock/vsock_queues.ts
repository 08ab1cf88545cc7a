/**
 * Moving packets between a vsock device's virtqueues and its
 * {@linkcode VsockMux}: the tx queue's chains become packets for the mux,
 * and the mux's outgoing packets fill the rx queue's buffers. A packet
 * whose header does not match its buffer is dropped, never trusted.
 *
 * The guest decides how much work a kick asks for, so a pump does a
 * bounded share of it: at most {@linkcode MAX_CHAINS_PER_PUMP} chains of
 * each queue (each of at most MAX_CHAIN_SEGMENTS descriptors, see
 * split_virtqueue.ts), then says there is `more` and the loop comes back
 * after serving its other fds. The tx queue is not read at all while the
 * mux is congested (the guest does not read what it is sent): its chains
 * wait in the ring, and the guest, out of tx buffers, waits too.
 *
 * @module
 */

import { errorMessage } from "../errors/mod.ts";
import type { GuestMemory } from "./guest_memory.ts";
import {
  type Chain,
  readSegments,
  segmentsLength,
  type SplitVirtqueue,
  writeSegments,
} from "./split_virtqueue.ts";
import type { MuxEvent } from "./vsock_connection.ts";
import type { VsockMux } from "./vsock_mux.ts";
import {
  decodeVsockHeader,
  encodeVsockHeader,
  VSOCK_HEADER_SIZE,
  type VsockHeader,
  VsockPacketError,
} from "./vsock_packet.ts";

/** Chains taken from each queue in one pump. */
export const MAX_CHAINS_PER_PUMP = 64;

/** Why a guest packet was dropped (for the log). */
export type DropReport = (reason: string) => void;

/**
 * Why a queue stopped: nothing left it can do now, its share of this pump
 * used up (more is waiting), or the mux congested (tx only).
 */
export type QueueStop = "done" | "budget" | "congested";

/** What one pass over a queue did. */
export interface QueueWork {
  /** Whether chains went back to the guest (it needs a notification). */
  readonly used: boolean;
  /** Why it stopped. */
  readonly stopped: QueueStop;
}

/** A tx chain's packet, or why it is dropped. */
function readPacket(
  memory: GuestMemory,
  chain: Chain,
  headerBytes: Uint8Array,
): { header: VsockHeader; payload: Uint8Array } | string {
  const available = segmentsLength(chain.readable);
  if (
    available < VSOCK_HEADER_SIZE ||
    readSegments(memory, chain.readable, 0, headerBytes) < VSOCK_HEADER_SIZE
  ) {
    return `a tx buffer of ${available} bytes holds no packet header`;
  }
  let header: VsockHeader;
  try {
    header = decodeVsockHeader(headerBytes);
  } catch (error) {
    if (error instanceof VsockPacketError) return error.message;
    throw error;
  }
  if (header.len > available - VSOCK_HEADER_SIZE) {
    return `a packet claims ${header.len} payload bytes in a ${available}-byte buffer`;
  }
  const payload = new Uint8Array(header.len);
  readSegments(memory, chain.readable, VSOCK_HEADER_SIZE, payload);
  return { header, payload };
}

/**
 * Feeds up to `budget` chains the guest put on the tx queue to `mux`,
 * returning each to the guest, and stops early while the mux is
 * congested.
 */
export function drainTxQueue(
  memory: GuestMemory,
  tx: SplitVirtqueue,
  mux: VsockMux,
  drop: DropReport,
  budget = MAX_CHAINS_PER_PUMP,
): QueueWork {
  const headerBytes = new Uint8Array(VSOCK_HEADER_SIZE);
  let used = false;
  for (let taken = 0;; taken++) {
    if (taken >= budget || mux.congested) {
      const stopped = taken >= budget ? "budget" : "congested";
      return { used, stopped: tx.hasAvailable() ? stopped : "done" };
    }
    const chain = tx.pop();
    if (!chain) return { used, stopped: "done" };
    used = true;
    const packet = readPacket(memory, chain, headerBytes);
    tx.push(chain.head, 0);
    if (typeof packet === "string") drop(packet);
    else mux.receive(packet.header, packet.payload);
  }
}

/**
 * Fills up to `budget` of the guest's rx buffers with what `mux` has to
 * send, one packet per buffer.
 */
export function fillRxQueue(
  memory: GuestMemory,
  rx: SplitVirtqueue,
  mux: VsockMux,
  budget = MAX_CHAINS_PER_PUMP,
): QueueWork {
  const headerBytes = new Uint8Array(VSOCK_HEADER_SIZE);
  let used = false;
  for (let taken = 0; mux.hasOutgoing(); taken++) {
    if (taken >= budget) {
      return { used, stopped: rx.hasAvailable() ? "budget" : "done" };
    }
    const chain = rx.pop();
    if (!chain) break;
    const room = segmentsLength(chain.writable);
    const packet = room >= VSOCK_HEADER_SIZE ? mux.nextPacket(room) : undefined;
    if (!packet) {
      // Too small for anything (a broken driver): hand it back empty.
      if (room < VSOCK_HEADER_SIZE) {
        rx.push(chain.head, 0);
        used = true;
        continue;
      }
      rx.unpop();
      break;
    }
    encodeVsockHeader(packet.header, headerBytes);
    writeSegments(memory, chain.writable, 0, headerBytes);
    writeSegments(memory, chain.writable, VSOCK_HEADER_SIZE, packet.payload);
    rx.push(chain.head, VSOCK_HEADER_SIZE + packet.payload.length);
    used = true;
  }
  return { used, stopped: "done" };
}

/** What one {@linkcode QueuePump.pump} did. */
export interface PumpResult {
  /** The guest needs a notification for its tx queue. */
  readonly txUsed: boolean;
  /** The guest needs a notification for its rx queue. */
  readonly rxUsed: boolean;
  /** Work is waiting that no kick will announce: pump again soon. */
  readonly more: boolean;
}

const IDLE: PumpResult = { txUsed: false, rxUsed: false, more: false };
const NOTHING: QueueWork = { used: false, stopped: "done" };

/** Log sink of a pump: drops, and the error that broke the device. */
export type PumpReport = (
  event: MuxEvent | { kind: "device-error"; reason: string },
) => void;

/**
 * Pumps a device's tx and rx queues through a mux. A guest that breaks a
 * ring (a malformed chain, an address outside its memory) loses the
 * device and its connections until the rings are set up again
 * ({@linkcode QueuePump.restart}, on QEMU's next SET_VRING_KICK); a bad
 * packet loses only itself, counted in {@linkcode QueuePump.dropped}.
 */
export class QueuePump {
  readonly #mux: VsockMux;
  readonly #report: PumpReport;
  #broken = false;
  #dropped = 0;

  /** A pump into `mux`, logging to `report`. */
  constructor(mux: VsockMux, report: PumpReport) {
    this.#mux = mux;
    this.#report = report;
  }

  /** Packets dropped so far. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Whether a broken ring stopped the device. */
  get broken(): boolean {
    return this.#broken;
  }

  /** The rings were set up again: serve them. */
  restart(): void {
    this.#broken = false;
  }

  /** Moves one bounded share of packets each way. */
  pump(
    memory: GuestMemory,
    tx: SplitVirtqueue | undefined,
    rx: SplitVirtqueue | undefined,
  ): PumpResult {
    if (this.#broken) return IDLE;
    const drop = (reason: string) => {
      this.#dropped++;
      this.#report({ kind: "dropped", reason });
    };
    try {
      const drained = tx ? drainTxQueue(memory, tx, this.#mux, drop) : NOTHING;
      const filled = rx ? fillRxQueue(memory, rx, this.#mux) : NOTHING;
      // Reading rx may have made room for the tx chains left waiting.
      const more = drained.stopped === "budget" ||
        filled.stopped === "budget" ||
        (drained.stopped === "congested" && !this.#mux.congested);
      return { txUsed: drained.used, rxUsed: filled.used, more };
    } catch (error) {
      this.#broken = true;
      this.#report({ kind: "device-error", reason: errorMessage(error) });
      this.#mux.closeAll();
      return IDLE;
    }
  }
}
