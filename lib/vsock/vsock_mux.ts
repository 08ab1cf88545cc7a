/**
 * The host end (CID 2) of one guest's virtio-vsock stream connections:
 * the connection state machine, credit-based flow control and the service
 * policy, with no I/O of its own. Packets from the guest go in through
 * {@linkcode VsockMux.receive}; packets for the guest come out of
 * {@linkcode VsockMux.nextPacket} whenever the rx queue has room; each
 * connection's host end is a {@linkcode HostStream} the backend provides
 * (a non-blocking UNIX socket in production, a fake in unit tests).
 *
 * Policy: a guest may connect only to the ports in `services`, each going
 * to that service's UNIX socket; anything else is refused with RST. The
 * guest's identity is the backend instance (one per VM, fed by that VM's
 * own vhost-user socket); the source CID in its packets is only checked
 * for consistency, never used to choose a policy.
 *
 * Flow control (virtio 1.2, 5.10.6.3): each side advertises `buf_alloc`
 * and counts what it has consumed in `fwd_cnt`; a sender may have at most
 * `buf_alloc - (tx_cnt - fwd_cnt)` bytes in flight. Counters wrap at 2^32.
 *
 * @module
 */

import {
  VSOCK_HEADER_SIZE,
  VSOCK_SHUTDOWN_RCV,
  VSOCK_SHUTDOWN_SEND,
  VSOCK_TYPE_STREAM,
  type VsockHeader,
  VsockOp,
} from "./vsock_packet.ts";

/** The host's CID as guests address it. */
export const HOST_CID = 2;
/** Receive buffer this side advertises per connection (bytes). */
export const DEFAULT_BUF_ALLOC = 256 * 1024;
/** Host bytes read ahead per connection, waiting for guest credit. */
export const FROM_HOST_LIMIT = 256 * 1024;
/** Connections one guest may hold at once. */
export const DEFAULT_MAX_CONNECTIONS = 1024;
/**
 * Forwarded bytes after which the guest hears of its new credit. Linux
 * guests (6.1) stall with 256 KiB unacknowledged whatever buf_alloc says,
 * so a quarter of a larger buffer would never be reached.
 */
const MAX_CREDIT_UPDATE_THRESHOLD = 64 * 1024;
/** First port for host → guest connections (their host-side port). */
const FIRST_HOST_PORT = 49152;

/** The host end of one connection, as the mux drives it. */
export interface HostStream {
  /**
   * Writes what it can of `bytes`: the count taken (possibly short), or
   * undefined when nothing can be taken now. Throws when the host end is
   * gone (EPIPE, ECONNRESET).
   */
  write(bytes: Uint8Array): number | undefined;
  /** No more bytes will be written (shutdown SHUT_WR). */
  shutdownWrite(): void;
  /** Closes the host end; the mux forgets the connection. */
  close(): void;
  /**
   * What the mux wants to hear about: host bytes to read (`read`), room to
   * write (`write`). Called whenever that changes.
   */
  interest(read: boolean, write: boolean): void;
  /** For host → guest connections: the guest accepted. */
  established?(): void;
}

/** Opens the host end for a guest → host connection to `path`. */
export type HostConnector = (
  path: string,
  connection: VsockConnection,
) => HostStream;

/** Something worth a log line, reported through `onEvent`. */
export type MuxEvent =
  | { kind: "connected"; port: number; guestPort: number; path: string }
  | { kind: "refused"; port: number; guestPort: number; reason: string }
  | { kind: "closed"; port: number; guestPort: number }
  | { kind: "dropped"; reason: string };

/** Options of {@linkcode VsockMux}. */
export interface VsockMuxOptions {
  /** The guest's CID (the config space's guest_cid). */
  guestCid: number;
  /** Host service port → UNIX socket path the guest may reach. */
  services: ReadonlyMap<number, string>;
  /** Opens the host end of a guest → host connection. */
  connect: HostConnector;
  /** Receive buffer advertised per connection. */
  bufAlloc?: number;
  /** Most simultaneous connections. */
  maxConnections?: number;
  /** Log sink. */
  onEvent?: (event: MuxEvent) => void;
}

/** A packet for the guest: header and payload (`header.len` bytes). */
export interface OutgoingPacket {
  /** The header, with this side's credit filled in. */
  readonly header: VsockHeader;
  /** Payload; empty for everything but RW. */
  readonly payload: Uint8Array;
}

type State = "connecting" | "connected";

/** One stream connection between the guest and a host end. */
export class VsockConnection {
  /** Host-side port (the service port, or an allocated one). */
  readonly port: number;
  /** Guest-side port. */
  readonly guestPort: number;
  /** @internal */ state: State;
  /** @internal */ stream?: HostStream;
  /** @internal */ peerBufAlloc = 0;
  /** @internal */ peerFwdCnt = 0;
  /** Bytes sent to the guest, mod 2^32. @internal */ txCnt = 0;
  /** Bytes taken out of our buffer (written to the host), mod 2^32. @internal */
  fwdCnt = 0;
  /** @internal */ announcedFwdCnt = 0;
  /** @internal */ creditUpdateQueued = false;
  /** Guest bytes not yet written to the host end. @internal */
  toHost: Uint8Array[] = [];
  /** @internal */ toHostBytes = 0;
  /** Host bytes not yet sent to the guest. @internal */
  fromHost: Uint8Array[] = [];
  /** @internal */ fromHostBytes = 0;
  /** @internal */ hostEof = false;
  /** @internal */ sentShutdownSend = false;
  /** @internal */ guestShutdown = 0;
  /** @internal */ hostWriteShut = false;
  /** @internal */ readonly mux: VsockMux;

  /** @internal */
  constructor(mux: VsockMux, port: number, guestPort: number, state: State) {
    this.mux = mux;
    this.port = port;
    this.guestPort = guestPort;
    this.state = state;
  }

  /** Bytes the guest can take now. */
  get credit(): number {
    const inFlight = (this.txCnt - this.peerFwdCnt) >>> 0;
    return Math.max(0, this.peerBufAlloc - inFlight);
  }

  /** The host end sent `bytes`. */
  hostData(bytes: Uint8Array): void {
    this.mux.hostData(this, bytes);
  }

  /** The host end will send no more (read returned 0). */
  hostEnded(): void {
    this.mux.hostEnded(this);
  }

  /** The host end can take more bytes. */
  hostWritable(): void {
    this.mux.flushToHost(this);
  }

  /** The host end failed (reset, error): the guest gets RST. */
  hostFailed(): void {
    this.mux.reset(this);
  }
}

interface Control {
  op: number;
  port: number;
  guestPort: number;
  flags: number;
}

function key(port: number, guestPort: number): string {
  return `${port}:${guestPort}`;
}

/** The host end of one guest's vsock connections. */
export class VsockMux {
  readonly #options: VsockMuxOptions;
  readonly #bufAlloc: number;
  readonly #maxConnections: number;
  readonly #creditThreshold: number;
  readonly #connections = new Map<string, VsockConnection>();
  readonly #control: Control[] = [];
  #nextHostPort = FIRST_HOST_PORT;
  #roundRobin = 0;

  /** A mux for the guest and policy of `options`. */
  constructor(options: VsockMuxOptions) {
    this.#options = options;
    this.#bufAlloc = options.bufAlloc ?? DEFAULT_BUF_ALLOC;
    this.#maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.#creditThreshold = Math.min(
      this.#bufAlloc / 4,
      MAX_CREDIT_UPDATE_THRESHOLD,
    );
  }

  /** Open connections. */
  get size(): number {
    return this.#connections.size;
  }

  /** Whether {@linkcode VsockMux.nextPacket} has something to give. */
  hasOutgoing(): boolean {
    if (this.#control.length > 0) return true;
    for (const connection of this.#connections.values()) {
      if (this.#canSendData(connection)) return true;
    }
    return false;
  }

  #event(event: MuxEvent): void {
    this.#options.onEvent?.(event);
  }

  #queue(op: number, port: number, guestPort: number, flags = 0): void {
    this.#control.push({ op, port, guestPort, flags });
  }

  /** Handles one packet the guest sent (its tx queue). */
  receive(header: VsockHeader, payload: Uint8Array): void {
    if (header.srcCid !== this.#options.guestCid) {
      this.#event({
        kind: "dropped",
        reason:
          `source CID ${header.srcCid} is not the guest's ${this.#options.guestCid}`,
      });
      return;
    }
    if (header.dstCid !== HOST_CID) {
      // Guests reach the host only; sibling VMs are not routed.
      if (header.op !== VsockOp.RST) {
        this.#queueRaw(header, VsockOp.RST);
      }
      return;
    }
    const connection = this.#connections.get(
      key(header.dstPort, header.srcPort),
    );
    if (header.type !== VSOCK_TYPE_STREAM) {
      if (header.op !== VsockOp.RST) this.#queueRaw(header, VsockOp.RST);
      return;
    }
    if (!connection) {
      if (header.op === VsockOp.REQUEST) this.#accept(header);
      else if (header.op !== VsockOp.RST) this.#queueRaw(header, VsockOp.RST);
      return;
    }
    connection.peerBufAlloc = header.bufAlloc;
    connection.peerFwdCnt = header.fwdCnt;
    switch (header.op) {
      case VsockOp.RESPONSE:
        if (connection.state !== "connecting") return this.reset(connection);
        connection.state = "connected";
        connection.stream?.established?.();
        this.#event({
          kind: "connected",
          port: connection.port,
          guestPort: connection.guestPort,
          path: "",
        });
        this.#updateInterest(connection);
        return;
      case VsockOp.RW:
        if (connection.state !== "connected") return this.reset(connection);
        return this.#guestData(connection, payload);
      case VsockOp.SHUTDOWN:
        connection.guestShutdown |= header.flags &
          (VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND);
        if (connection.guestShutdown & VSOCK_SHUTDOWN_RCV) {
          connection.fromHost = [];
          connection.fromHostBytes = 0;
        }
        this.flushToHost(connection);
        return;
      case VsockOp.CREDIT_REQUEST:
        this.#queueCreditUpdate(connection);
        return;
      case VsockOp.CREDIT_UPDATE:
        return;
      case VsockOp.RST:
        return this.#forget(connection);
      default:
        return this.reset(connection);
    }
  }

  /** A RST (or other op) answering a packet that has no connection. */
  #queueRaw(header: VsockHeader, op: number): void {
    this.#queue(op, header.dstPort, header.srcPort);
  }

  #accept(header: VsockHeader): void {
    const refuse = (reason: string) => {
      this.#event({
        kind: "refused",
        port: header.dstPort,
        guestPort: header.srcPort,
        reason,
      });
      this.#queueRaw(header, VsockOp.RST);
    };
    const path = this.#options.services.get(header.dstPort);
    if (path === undefined) return refuse("no service on this port");
    if (this.#connections.size >= this.#maxConnections) {
      return refuse(`over ${this.#maxConnections} connections`);
    }
    const connection = new VsockConnection(
      this,
      header.dstPort,
      header.srcPort,
      "connected",
    );
    connection.peerBufAlloc = header.bufAlloc;
    connection.peerFwdCnt = header.fwdCnt;
    try {
      connection.stream = this.#options.connect(path, connection);
    } catch (error) {
      return refuse(
        `${path}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    this.#connections.set(
      key(connection.port, connection.guestPort),
      connection,
    );
    this.#queue(VsockOp.RESPONSE, connection.port, connection.guestPort);
    this.#event({
      kind: "connected",
      port: connection.port,
      guestPort: connection.guestPort,
      path,
    });
    this.#updateInterest(connection);
  }

  /**
   * Opens a host → guest connection to guest `port`; `stream` hears
   * `established()` once the guest accepts, and is closed when it refuses.
   */
  connectToGuest(guestPort: number, stream: HostStream): VsockConnection {
    if (this.#connections.size >= this.#maxConnections) {
      throw new Error(`over ${this.#maxConnections} vsock connections`);
    }
    let port = this.#nextHostPort;
    while (this.#connections.has(key(port, guestPort))) {
      port = port >= 0xffff_fffe ? FIRST_HOST_PORT : port + 1;
    }
    this.#nextHostPort = port >= 0xffff_fffe ? FIRST_HOST_PORT : port + 1;
    const connection = new VsockConnection(this, port, guestPort, "connecting");
    connection.stream = stream;
    this.#connections.set(key(port, guestPort), connection);
    this.#queue(VsockOp.REQUEST, port, guestPort);
    stream.interest(false, false);
    return connection;
  }

  #guestData(connection: VsockConnection, payload: Uint8Array): void {
    if (connection.guestShutdown & VSOCK_SHUTDOWN_SEND) {
      return this.reset(connection);
    }
    if (connection.toHostBytes + payload.length > this.#bufAlloc) {
      // The guest sent past the credit it was given.
      this.#event({
        kind: "dropped",
        reason:
          `guest port ${connection.guestPort} overran its credit on port ${connection.port}`,
      });
      return this.reset(connection);
    }
    if (payload.length === 0) return;
    connection.toHost.push(payload);
    connection.toHostBytes += payload.length;
    this.flushToHost(connection);
  }

  /** Writes buffered guest bytes to the host end; @internal */
  flushToHost(connection: VsockConnection): void {
    const stream = connection.stream;
    if (!stream) return;
    try {
      while (connection.toHost.length > 0) {
        const chunk = connection.toHost[0];
        const written = stream.write(chunk);
        if (written === undefined || written === 0) break;
        connection.toHostBytes -= written;
        connection.fwdCnt = (connection.fwdCnt + written) >>> 0;
        if (written === chunk.length) connection.toHost.shift();
        else connection.toHost[0] = chunk.subarray(written);
      }
    } catch {
      return this.reset(connection);
    }
    const unannounced = (connection.fwdCnt - connection.announcedFwdCnt) >>> 0;
    if (unannounced >= this.#creditThreshold) {
      this.#queueCreditUpdate(connection);
    }
    if (
      connection.toHostBytes === 0 &&
      connection.guestShutdown & VSOCK_SHUTDOWN_SEND &&
      !connection.hostWriteShut
    ) {
      connection.hostWriteShut = true;
      try {
        stream.shutdownWrite();
      } catch {
        return this.reset(connection);
      }
    }
    if (!this.#maybeFinish(connection)) this.#updateInterest(connection);
  }

  #queueCreditUpdate(connection: VsockConnection): void {
    if (connection.creditUpdateQueued) return;
    connection.creditUpdateQueued = true;
    this.#queue(VsockOp.CREDIT_UPDATE, connection.port, connection.guestPort);
  }

  /** Host bytes for the guest; @internal */
  hostData(connection: VsockConnection, bytes: Uint8Array): void {
    if (connection.guestShutdown & VSOCK_SHUTDOWN_RCV) return;
    connection.fromHost.push(bytes);
    connection.fromHostBytes += bytes.length;
    this.#updateInterest(connection);
  }

  /** The host end finished sending; @internal */
  hostEnded(connection: VsockConnection): void {
    connection.hostEof = true;
    this.#maybeShutdownSend(connection);
    if (!this.#maybeFinish(connection)) this.#updateInterest(connection);
  }

  #maybeShutdownSend(connection: VsockConnection): void {
    if (
      connection.hostEof && connection.fromHostBytes === 0 &&
      !connection.sentShutdownSend
    ) {
      connection.sentShutdownSend = true;
      this.#queue(
        VsockOp.SHUTDOWN,
        connection.port,
        connection.guestPort,
        VSOCK_SHUTDOWN_SEND,
      );
    }
  }

  /**
   * Closes the connection once neither direction has anything left: the
   * guest will send no more and all of it reached the host, and either the
   * guest will receive no more or the host's end of file was passed on.
   */
  #maybeFinish(connection: VsockConnection): boolean {
    const guestDone = (connection.guestShutdown & VSOCK_SHUTDOWN_SEND) !== 0 &&
      connection.toHostBytes === 0;
    const hostDone = (connection.guestShutdown & VSOCK_SHUTDOWN_RCV) !== 0 ||
      connection.sentShutdownSend;
    if (!guestDone || !hostDone) return false;
    this.#queue(VsockOp.RST, connection.port, connection.guestPort);
    this.#forget(connection);
    return true;
  }

  /** Ends a connection with RST to the guest; @internal */
  reset(connection: VsockConnection): void {
    if (
      this.#connections.get(key(connection.port, connection.guestPort)) !==
        connection
    ) return;
    this.#queue(VsockOp.RST, connection.port, connection.guestPort);
    this.#forget(connection);
  }

  #forget(connection: VsockConnection): void {
    const id = key(connection.port, connection.guestPort);
    if (this.#connections.get(id) !== connection) return;
    this.#connections.delete(id);
    connection.toHost = [];
    connection.fromHost = [];
    connection.toHostBytes = connection.fromHostBytes = 0;
    const stream = connection.stream;
    connection.stream = undefined;
    stream?.close();
    this.#event({
      kind: "closed",
      port: connection.port,
      guestPort: connection.guestPort,
    });
  }

  #updateInterest(connection: VsockConnection): void {
    const stream = connection.stream;
    if (!stream) return;
    const read = connection.state === "connected" && !connection.hostEof &&
      !(connection.guestShutdown & VSOCK_SHUTDOWN_RCV) &&
      connection.fromHostBytes < FROM_HOST_LIMIT;
    const write = connection.toHostBytes > 0;
    stream.interest(read, write);
  }

  #canSendData(connection: VsockConnection): boolean {
    return connection.state === "connected" && connection.fromHostBytes > 0 &&
      connection.credit > 0;
  }

  #header(
    op: number,
    port: number,
    guestPort: number,
    flags: number,
    len: number,
  ): VsockHeader {
    const connection = this.#connections.get(key(port, guestPort));
    if (connection) {
      connection.announcedFwdCnt = connection.fwdCnt;
      connection.creditUpdateQueued = false;
    }
    return {
      srcCid: HOST_CID,
      dstCid: this.#options.guestCid,
      srcPort: port,
      dstPort: guestPort,
      len,
      type: VSOCK_TYPE_STREAM,
      op,
      flags,
      bufAlloc: connection ? this.#bufAlloc : 0,
      fwdCnt: connection?.fwdCnt ?? 0,
    };
  }

  /**
   * The next packet for the guest, its payload at most `room - 44` bytes
   * (`room` being the rx buffer's size); undefined when there is none.
   * Control packets go first, then data, connections taking turns.
   */
  nextPacket(room: number): OutgoingPacket | undefined {
    const control = this.#control.shift();
    if (control) {
      return {
        header: this.#header(
          control.op,
          control.port,
          control.guestPort,
          control.flags,
          0,
        ),
        payload: new Uint8Array(0),
      };
    }
    const maxPayload = room - VSOCK_HEADER_SIZE;
    if (maxPayload <= 0) return undefined;
    const connections = [...this.#connections.values()];
    for (let i = 0; i < connections.length; i++) {
      const connection =
        connections[(this.#roundRobin + i) % connections.length];
      if (!this.#canSendData(connection)) continue;
      this.#roundRobin = (this.#roundRobin + i + 1) % connections.length;
      const take = Math.min(
        connection.fromHostBytes,
        connection.credit,
        maxPayload,
      );
      const payload = this.#takeFromHost(connection, take);
      connection.txCnt = (connection.txCnt + take) >>> 0;
      const header = this.#header(
        VsockOp.RW,
        connection.port,
        connection.guestPort,
        0,
        take,
      );
      this.#maybeShutdownSend(connection);
      if (!this.#maybeFinish(connection)) this.#updateInterest(connection);
      return { header, payload };
    }
    return undefined;
  }

  #takeFromHost(connection: VsockConnection, length: number): Uint8Array {
    const first = connection.fromHost[0];
    let payload: Uint8Array;
    if (first.length >= length) {
      payload = first.subarray(0, length);
      if (first.length === length) connection.fromHost.shift();
      else connection.fromHost[0] = first.subarray(length);
    } else {
      payload = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const chunk = connection.fromHost[0];
        const take = Math.min(chunk.length, length - done);
        payload.set(chunk.subarray(0, take), done);
        done += take;
        if (take === chunk.length) connection.fromHost.shift();
        else connection.fromHost[0] = chunk.subarray(take);
      }
    }
    connection.fromHostBytes -= length;
    return payload;
  }

  /** Closes every connection's host end (the guest is gone). */
  closeAll(): void {
    for (const connection of [...this.#connections.values()]) {
      this.#forget(connection);
    }
    this.#control.length = 0;
  }
}
