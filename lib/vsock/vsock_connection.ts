/**
 * One virtio-vsock stream connection between the guest and a host end,
 * owning its state: where it is in its life, both sides' credit, the bytes
 * waiting in each direction and which directions are shut. The mux
 * (vsock_mux.ts) only routes packets to it; the host end is a
 * {@linkcode HostStream} (a non-blocking UNIX socket in production).
 *
 * ## The stream protocol in brief (virtio 1.2, 5.10.6)
 *
 * Every packet has a 44-byte header: source and destination (CID, port),
 * an op, and the sender's credit. A connection is a pair of ports.
 *
 * - **Open.** One side sends REQUEST; the other answers RESPONSE (accept)
 *   or RST (refuse).
 * - **Data.** RW packets carry payload, in order. A virtqueue neither
 *   loses nor reorders, so there are no acknowledgements, only credit.
 * - **Credit.** Each header carries the sender's `buf_alloc` (receive
 *   buffer it has for this connection) and `fwd_cnt` (bytes it has taken
 *   out of that buffer so far). A sender counts what it sent in `tx_cnt`
 *   and may have at most `buf_alloc - (tx_cnt - fwd_cnt)` bytes in flight.
 *   Counters wrap at 2^32. A receiver that frees buffer space says so with
 *   a CREDIT_UPDATE (any header would do); CREDIT_REQUEST asks for one.
 * - **Half-close.** SHUTDOWN's flags say the sender will send no more
 *   (SEND) and/or receive no more (RCV); each direction ends on its own.
 * - **Reset.** RST ends the connection at once, from either side, and is
 *   never answered. It also ends a connection whose directions are both
 *   shut: Linux answers a full SHUTDOWN with RST, and so does this side.
 *
 * Here the guest's end is the peer; the host's end is this object and its
 * stream. Guest bytes wait in `toHost` until the stream takes them, and
 * what the stream took is our `fwd_cnt`; the guest hears of it at least
 * every 64 KiB, since Linux 6.1 guests stall with 256 KiB unacknowledged.
 * Host bytes wait in `fromHost` until the guest has credit and an rx
 * buffer for them.
 *
 * @module
 */

import { ByteQueue } from "./byte_queue.ts";
import {
  headerToGuest,
  VSOCK_SHUTDOWN_RCV,
  VSOCK_SHUTDOWN_SEND,
  type VsockHeader,
  VsockOp,
} from "./vsock_packet.ts";

/** Host bytes read ahead per connection, waiting for guest credit. */
export const FROM_HOST_LIMIT = 256 * 1024;
/**
 * Forwarded bytes after which the guest hears of its new credit. Linux
 * guests (6.1) stall with 256 KiB unacknowledged whatever buf_alloc says,
 * so a quarter of a larger buffer would never be reached.
 */
const MAX_CREDIT_UPDATE_THRESHOLD = 64 * 1024;

/** The host end of one connection, as the connection drives it. */
export interface HostStream {
  /**
   * Writes what it can of `bytes`: the count taken (possibly short), or
   * undefined when nothing can be taken now. Throws when the host end is
   * gone (EPIPE, ECONNRESET).
   */
  write(bytes: Uint8Array): number | undefined;
  /** No more bytes will be written (shutdown SHUT_WR). */
  shutdownWrite(): void;
  /** Closes the host end; the connection is over. */
  close(): void;
  /**
   * What the connection wants to hear about: host bytes to read (`read`),
   * room to write (`write`). Called whenever that changes.
   */
  interest(read: boolean, write: boolean): void;
  /** For host → guest connections: the guest accepted. */
  established?(): void;
}

/** Something worth a log line. */
export type MuxEvent =
  | { kind: "connected"; port: number; guestPort: number; path: string }
  | { kind: "refused"; port: number; guestPort: number; reason: string }
  | { kind: "closed"; port: number; guestPort: number }
  | { kind: "dropped"; reason: string };

/** A packet for the guest: header and payload (`header.len` bytes). */
export interface OutgoingPacket {
  /** The header, with this side's credit filled in. */
  readonly header: VsockHeader;
  /** Payload; empty for everything but RW. */
  readonly payload: Uint8Array;
}

/** What a connection needs from the mux that routes to it. */
export interface ConnectionOwner {
  /** Queues a control packet of `connection` (no payload) for the guest. */
  sendControl(connection: VsockConnection, op: number, flags?: number): void;
  /** `connection` is over: route nothing more to it. */
  forget(connection: VsockConnection): void;
  /** Log sink. */
  report(event: MuxEvent): void;
}

/** Where a connection is: waiting for the guest's RESPONSE, or open. */
export type ConnectionState = "connecting" | "connected";

/** Options of {@linkcode VsockConnection}. */
export interface VsockConnectionOptions {
  /** Host-side port (the service port, or an allocated one). */
  port: number;
  /** Guest-side port. */
  guestPort: number;
  /** The guest's CID, for the headers of packets to it. */
  guestCid: number;
  /** Receive buffer advertised for guest bytes. */
  bufAlloc: number;
  /** `connected` for a guest's REQUEST, `connecting` for the host's. */
  state: ConnectionState;
  /** The guest's credit, when its REQUEST carried it. */
  peer?: { bufAlloc: number; fwdCnt: number };
}

/** One stream connection between the guest and a host end. */
export class VsockConnection {
  /** Host-side port (the service port, or an allocated one). */
  readonly port: number;
  /** Guest-side port. */
  readonly guestPort: number;
  readonly #owner: ConnectionOwner;
  readonly #guestCid: number;
  readonly #bufAlloc: number;
  readonly #creditUpdateThreshold: number;
  #state: ConnectionState;
  #stream?: HostStream;
  #closed = false;
  // The guest's credit, as its last header gave it, and what we sent.
  #peerBufAlloc: number;
  #peerFwdCnt: number;
  #txCnt = 0;
  // Our credit: bytes the host end took, and how much of that was told.
  #fwdCnt = 0;
  #announcedFwdCnt = 0;
  #creditUpdateQueued = false;
  readonly #toHost = new ByteQueue();
  readonly #fromHost = new ByteQueue();
  // Half-close: the host end's end of file and our SHUTDOWN(SEND) for it;
  // the guest's SHUTDOWN flags and our shutdown(SHUT_WR) for them.
  #hostEof = false;
  #sentShutdownSend = false;
  #guestShutdown = 0;
  #hostWriteShut = false;

  /** A connection routed by `owner`; attach its host end next. */
  constructor(owner: ConnectionOwner, options: VsockConnectionOptions) {
    this.#owner = owner;
    this.port = options.port;
    this.guestPort = options.guestPort;
    this.#guestCid = options.guestCid;
    this.#bufAlloc = options.bufAlloc;
    this.#creditUpdateThreshold = Math.min(
      options.bufAlloc / 4,
      MAX_CREDIT_UPDATE_THRESHOLD,
    );
    this.#state = options.state;
    this.#peerBufAlloc = options.peer?.bufAlloc ?? 0;
    this.#peerFwdCnt = options.peer?.fwdCnt ?? 0;
  }

  /** Bytes the guest can take now. */
  get credit(): number {
    const inFlight = (this.#txCnt - this.#peerFwdCnt) >>> 0;
    return Math.max(0, this.#peerBufAlloc - inFlight);
  }

  /** Gives the connection its host end and says what it wants from it. */
  attach(stream: HostStream): void {
    this.#stream = stream;
    this.#updateInterest();
  }

  /** Handles a packet the guest sent on this connection. */
  receive(header: VsockHeader, payload: Uint8Array): void {
    this.#peerBufAlloc = header.bufAlloc;
    this.#peerFwdCnt = header.fwdCnt;
    switch (header.op) {
      case VsockOp.RESPONSE:
        if (this.#state !== "connecting") return this.reset();
        this.#state = "connected";
        this.#stream?.established?.();
        this.#owner.report({
          kind: "connected",
          port: this.port,
          guestPort: this.guestPort,
          path: "",
        });
        this.#updateInterest();
        return;
      case VsockOp.RW:
        if (this.#state !== "connected") return this.reset();
        return this.#guestData(payload);
      case VsockOp.SHUTDOWN:
        this.#guestShutdown |= header.flags &
          (VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND);
        if (this.#guestShutdown & VSOCK_SHUTDOWN_RCV) this.#fromHost.clear();
        this.#flushToHost();
        return;
      case VsockOp.CREDIT_REQUEST:
        this.#queueCreditUpdate();
        return;
      case VsockOp.CREDIT_UPDATE:
        return;
      case VsockOp.RST:
        return this.close();
      default:
        return this.reset();
    }
  }

  /** The host end sent `bytes`. */
  hostData(bytes: Uint8Array): void {
    if (this.#closed || this.#guestShutdown & VSOCK_SHUTDOWN_RCV) return;
    this.#fromHost.push(bytes);
    this.#updateInterest();
  }

  /** The host end will send no more (read returned 0). */
  hostEnded(): void {
    if (this.#closed) return;
    this.#hostEof = true;
    this.#maybeShutdownSend();
    if (!this.#maybeFinish()) this.#updateInterest();
  }

  /** The host end can take more bytes. */
  hostWritable(): void {
    this.#flushToHost();
  }

  /** The host end failed (reset, error): the guest gets RST. */
  hostFailed(): void {
    this.reset();
  }

  /** Whether {@linkcode VsockConnection.nextData} has bytes to give. */
  hasData(): boolean {
    return this.#state === "connected" && this.#fromHost.size > 0 &&
      this.credit > 0;
  }

  /**
   * The next RW packet for the guest, its payload within the guest's
   * credit and `maxPayload`; undefined when there is nothing to send.
   */
  nextData(maxPayload: number): OutgoingPacket | undefined {
    if (!this.hasData() || maxPayload <= 0) return undefined;
    const length = Math.min(this.#fromHost.size, this.credit, maxPayload);
    const payload = this.#fromHost.take(length);
    this.#txCnt = (this.#txCnt + length) >>> 0;
    const header = this.#header(VsockOp.RW, 0, length);
    this.#maybeShutdownSend();
    if (!this.#maybeFinish()) this.#updateInterest();
    return { header, payload };
  }

  /** A control packet (no payload) for the guest, announcing our credit. */
  controlPacket(op: number, flags = 0): OutgoingPacket {
    return { header: this.#header(op, flags, 0), payload: new Uint8Array(0) };
  }

  /** Ends the connection with RST to the guest. */
  reset(): void {
    if (this.#closed) return;
    this.#owner.sendControl(this, VsockOp.RST);
    this.close();
  }

  /** Ends the connection without telling the guest (it reset, or is gone). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#owner.forget(this);
    this.#toHost.clear();
    this.#fromHost.clear();
    const stream = this.#stream;
    this.#stream = undefined;
    stream?.close();
    this.#owner.report({
      kind: "closed",
      port: this.port,
      guestPort: this.guestPort,
    });
  }

  #header(op: number, flags: number, len: number): VsockHeader {
    this.#announcedFwdCnt = this.#fwdCnt;
    this.#creditUpdateQueued = false;
    return headerToGuest({
      guestCid: this.#guestCid,
      port: this.port,
      guestPort: this.guestPort,
      op,
      flags,
      len,
      bufAlloc: this.#bufAlloc,
      fwdCnt: this.#fwdCnt,
    });
  }

  #guestData(payload: Uint8Array): void {
    if (this.#guestShutdown & VSOCK_SHUTDOWN_SEND) return this.reset();
    if (this.#toHost.size + payload.length > this.#bufAlloc) {
      this.#owner.report({
        kind: "dropped",
        reason:
          `guest port ${this.guestPort} overran its credit on port ${this.port}`,
      });
      return this.reset();
    }
    if (payload.length === 0) return;
    this.#toHost.push(payload);
    this.#flushToHost();
  }

  /** Writes buffered guest bytes to the host end, returning credit. */
  #flushToHost(): void {
    const stream = this.#stream;
    if (!stream) return;
    try {
      for (
        let chunk = this.#toHost.peek();
        chunk;
        chunk = this.#toHost.peek()
      ) {
        const written = stream.write(chunk);
        if (written === undefined || written === 0) break;
        this.#toHost.consume(written);
        this.#fwdCnt = (this.#fwdCnt + written) >>> 0;
      }
    } catch {
      return this.reset();
    }
    const unannounced = (this.#fwdCnt - this.#announcedFwdCnt) >>> 0;
    if (unannounced >= this.#creditUpdateThreshold) this.#queueCreditUpdate();
    if (
      this.#toHost.size === 0 &&
      this.#guestShutdown & VSOCK_SHUTDOWN_SEND &&
      !this.#hostWriteShut
    ) {
      this.#hostWriteShut = true;
      try {
        stream.shutdownWrite();
      } catch {
        return this.reset();
      }
    }
    if (!this.#maybeFinish()) this.#updateInterest();
  }

  #queueCreditUpdate(): void {
    if (this.#creditUpdateQueued) return;
    this.#creditUpdateQueued = true;
    this.#owner.sendControl(this, VsockOp.CREDIT_UPDATE);
  }

  /** Passes the host's end of file on once its bytes have gone out. */
  #maybeShutdownSend(): void {
    if (this.#hostEof && this.#fromHost.size === 0 && !this.#sentShutdownSend) {
      this.#sentShutdownSend = true;
      this.#owner.sendControl(this, VsockOp.SHUTDOWN, VSOCK_SHUTDOWN_SEND);
    }
  }

  /**
   * Ends the connection once neither direction has anything left: the
   * guest will send no more and all of it reached the host, and either the
   * guest will receive no more or the host's end of file was passed on.
   */
  #maybeFinish(): boolean {
    const guestDone = (this.#guestShutdown & VSOCK_SHUTDOWN_SEND) !== 0 &&
      this.#toHost.size === 0;
    const hostDone = (this.#guestShutdown & VSOCK_SHUTDOWN_RCV) !== 0 ||
      this.#sentShutdownSend;
    if (!guestDone || !hostDone) return false;
    this.reset();
    return true;
  }

  #updateInterest(): void {
    const stream = this.#stream;
    if (!stream) return;
    const read = this.#state === "connected" && !this.#hostEof &&
      !(this.#guestShutdown & VSOCK_SHUTDOWN_RCV) &&
      this.#fromHost.size < FROM_HOST_LIMIT;
    stream.interest(read, this.#toHost.size > 0);
  }
}
