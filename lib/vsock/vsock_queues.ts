/**
 * Moving packets between a vsock device's virtqueues and its
 * {@linkcode VsockMux}: the tx queue's chains become packets for the mux,
 * and the mux's outgoing packets fill the rx queue's buffers. A packet
 * whose header does not match its buffer is dropped, never trusted.
 *
 * @module
 */

import type { GuestMemory } from "./guest_memory.ts";
import {
  readSegments,
  segmentsLength,
  type SplitVirtqueue,
  writeSegments,
} from "./split_virtqueue.ts";
import type { VsockMux } from "./vsock_mux.ts";
import {
  decodeVsockHeader,
  encodeVsockHeader,
  VSOCK_HEADER_SIZE,
} from "./vsock_packet.ts";

/** Why a guest packet was dropped (for the log). */
export type DropReport = (reason: string) => void;

/**
 * Feeds every chain the guest put on the tx queue to `mux` and returns the
 * chains to the guest; answers whether any was used (the guest then needs
 * a call notification).
 */
export function drainTxQueue(
  memory: GuestMemory,
  tx: SplitVirtqueue,
  mux: VsockMux,
  drop: DropReport,
): boolean {
  const headerBytes = new Uint8Array(VSOCK_HEADER_SIZE);
  let used = false;
  for (let chain = tx.pop(); chain; chain = tx.pop()) {
    used = true;
    const available = segmentsLength(chain.readable);
    if (
      available < VSOCK_HEADER_SIZE ||
      readSegments(memory, chain.readable, 0, headerBytes) < VSOCK_HEADER_SIZE
    ) {
      drop(`a tx buffer of ${available} bytes holds no packet header`);
      tx.push(chain.head, 0);
      continue;
    }
    const header = decodeVsockHeader(headerBytes);
    if (header.len > available - VSOCK_HEADER_SIZE) {
      drop(
        `a packet claims ${header.len} payload bytes in a ${available}-byte buffer`,
      );
      tx.push(chain.head, 0);
      continue;
    }
    const payload = new Uint8Array(header.len);
    readSegments(memory, chain.readable, VSOCK_HEADER_SIZE, payload);
    tx.push(chain.head, 0);
    mux.receive(header, payload);
  }
  return used;
}

/**
 * Fills the guest's rx buffers with what `mux` has to send, one packet per
 * buffer; answers whether any buffer was used.
 */
export function fillRxQueue(
  memory: GuestMemory,
  rx: SplitVirtqueue,
  mux: VsockMux,
): boolean {
  const headerBytes = new Uint8Array(VSOCK_HEADER_SIZE);
  let used = false;
  while (mux.hasOutgoing()) {
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
  return used;
}
