/**
 * The host end (CID 2) of one guest's virtio-vsock stream connections: a
 * router with no I/O of its own. Packets from the guest go in through
 * {@linkcode VsockMux.receive} and reach their {@linkcode VsockConnection}
 * by (host port, guest port); packets for the guest come out of
 * {@linkcode VsockMux.nextPacket} whenever the rx queue has room. Each
 * connection keeps its own state and credit (see vsock_connection.ts);
 * its host end is a {@linkcode HostStream} the back-end provides.
 *
 * Policy: a guest may connect only to the ports in `services`, each going
 * to that service's UNIX socket; anything else is refused with RST. The
 * guest's identity is the back-end instance (one per VM, fed by that VM's
 * own vhost-user socket); the source CID in its packets is only checked
 * for consistency, never used to choose a policy.
 *
 * Control packets (RESPONSE, RST, SHUTDOWN, credit updates) wait in a
 * queue until the guest posts rx buffers, so a guest that sends and never
 * reads must not grow it: a packet equal to the last one queued for its
 * port pair is merged into it, refusals (RSTs for packets that have no
 * connection) beyond {@linkcode CONTROL_QUEUE_LIMIT} are dropped and
 * counted, and while the queue is that long the mux is
 * {@linkcode VsockMux.congested}: the back-end leaves the guest's tx
 * chains in their ring until the guest reads. What connections queue is
 * bounded already (one of each kind at a time, and so many connections).
 *
 * @module
 */

import { errorMessage } from "../errors/mod.ts";
import {
  type ConnectionOwner,
  type HostStream,
  type MuxEvent,
  type OutgoingPacket,
  VsockConnection,
} from "./vsock_connection.ts";
import {
  headerToGuest,
  HOST_CID,
  VSOCK_HEADER_SIZE,
  VSOCK_TYPE_STREAM,
  type VsockHeader,
  VsockOp,
} from "./vsock_packet.ts";

export type { MuxEvent } from "./vsock_connection.ts";

/** Receive buffer this side advertises per connection (bytes). */
export const DEFAULT_BUF_ALLOC = 256 * 1024;
/** Connections one guest may hold at once. */
export const DEFAULT_MAX_CONNECTIONS = 1024;
/**
 * Control packets queued for the guest at which the mux is congested (it
 * takes no more tx) and refusals are dropped.
 */
export const CONTROL_QUEUE_LIMIT = 512;
/** First port for host → guest connections (their host-side port). */
const FIRST_HOST_PORT = 49152;
/** Last port before the allocation wraps (0xffffffff is VMADDR_PORT_ANY). */
const LAST_HOST_PORT = 0xffff_fffe;

/** Opens the host end for a guest → host connection to `path`. */
export type HostConnector = (
  path: string,
  connection: VsockConnection,
) => HostStream;

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
  /** Control packets queued before the mux is congested. */
  controlLimit?: number;
  /** Log sink. */
  onEvent?: (event: MuxEvent) => void;
}

/** A control packet waiting for an rx buffer. */
interface Control {
  readonly op: number;
  readonly port: number;
  readonly guestPort: number;
  readonly flags: number;
}

/** What the control queue did with the packets offered to it. */
export interface ControlStats {
  /** Equal to the last one queued for their port pair: merged into it. */
  merged: number;
  /** Refusals dropped because the queue was full. */
  dropped: number;
}

function key(port: number, guestPort: number): string {
  return `${port}:${guestPort}`;
}

/** The host end of one guest's vsock connections. */
export class VsockMux {
  readonly #options: VsockMuxOptions;
  readonly #bufAlloc: number;
  readonly #maxConnections: number;
  readonly #controlLimit: number;
  readonly #connections = new Map<string, VsockConnection>();
  readonly #control: Control[] = [];
  /** Port pair → the last control packet queued for it, while queued. */
  readonly #lastControl = new Map<string, Control>();
  readonly #controlStats: ControlStats = { merged: 0, dropped: 0 };
  readonly #owner: ConnectionOwner = {
    sendControl: (connection, op, flags = 0) =>
      this.#queue(op, connection.port, connection.guestPort, flags),
    forget: (connection) => {
      const id = key(connection.port, connection.guestPort);
      if (this.#connections.get(id) === connection) {
        this.#connections.delete(id);
      }
    },
    report: (event) => this.#event(event),
  };
  #nextHostPort = FIRST_HOST_PORT;
  #roundRobin = 0;

  /** A mux for the guest and policy of `options`. */
  constructor(options: VsockMuxOptions) {
    this.#options = options;
    this.#bufAlloc = options.bufAlloc ?? DEFAULT_BUF_ALLOC;
    this.#maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.#controlLimit = options.controlLimit ?? CONTROL_QUEUE_LIMIT;
  }

  /** Open connections. */
  get size(): number {
    return this.#connections.size;
  }

  /** Control packets waiting for the guest's rx buffers. */
  get controlBacklog(): number {
    return this.#control.length;
  }

  /** Merged and dropped control packets so far. */
  get controlStats(): Readonly<ControlStats> {
    return this.#controlStats;
  }

  /**
   * Whether the guest left so many control packets unread that the mux
   * takes no more of its packets until it reads them.
   */
  get congested(): boolean {
    return this.#control.length >= this.#controlLimit;
  }

  /** Whether {@linkcode VsockMux.nextPacket} has something to give. */
  hasOutgoing(): boolean {
    if (this.#control.length > 0) return true;
    for (const connection of this.#connections.values()) {
      if (connection.hasData()) return true;
    }
    return false;
  }

  #event(event: MuxEvent): void {
    this.#options.onEvent?.(event);
  }

  #queue(op: number, port: number, guestPort: number, flags = 0): void {
    const pair = key(port, guestPort);
    const last = this.#lastControl.get(pair);
    if (last?.op === op && last.flags === flags) {
      this.#controlStats.merged++;
      return;
    }
    const control = { op, port, guestPort, flags };
    this.#control.push(control);
    this.#lastControl.set(pair, control);
  }

  /** A RST answering a packet that has no connection, room permitting. */
  #refuse(header: VsockHeader): void {
    if (this.congested) {
      this.#controlStats.dropped++;
      return;
    }
    this.#queue(VsockOp.RST, header.dstPort, header.srcPort);
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
    // Guests reach the host only (sibling VMs are not routed), on streams.
    if (header.dstCid !== HOST_CID || header.type !== VSOCK_TYPE_STREAM) {
      if (header.op !== VsockOp.RST) this.#refuse(header);
      return;
    }
    const connection = this.#connections.get(
      key(header.dstPort, header.srcPort),
    );
    if (connection) return connection.receive(header, payload);
    if (header.op === VsockOp.REQUEST) this.#accept(header);
    else if (header.op !== VsockOp.RST) this.#refuse(header);
  }

  #accept(header: VsockHeader): void {
    const refuse = (reason: string) => {
      this.#event({
        kind: "refused",
        port: header.dstPort,
        guestPort: header.srcPort,
        reason,
      });
      this.#refuse(header);
    };
    const path = this.#options.services.get(header.dstPort);
    if (path === undefined) return refuse("no service on this port");
    if (this.#connections.size >= this.#maxConnections) {
      return refuse(`over ${this.#maxConnections} connections`);
    }
    const connection = new VsockConnection(this.#owner, {
      port: header.dstPort,
      guestPort: header.srcPort,
      guestCid: this.#options.guestCid,
      bufAlloc: this.#bufAlloc,
      state: "connected",
      peer: { bufAlloc: header.bufAlloc, fwdCnt: header.fwdCnt },
    });
    let stream: HostStream;
    try {
      stream = this.#options.connect(path, connection);
    } catch (error) {
      return refuse(`${path}: ${errorMessage(error)}`);
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
    connection.attach(stream);
  }

  /**
   * Opens a host → guest connection to guest `port`; `stream` hears
   * `established()` once the guest accepts, and is closed when it refuses.
   */
  connectToGuest(guestPort: number, stream: HostStream): VsockConnection {
    if (this.#connections.size >= this.#maxConnections) {
      throw new Error(`over ${this.#maxConnections} vsock connections`);
    }
    if (this.congested) {
      throw new Error("the guest is not reading its vsock packets");
    }
    const next = (port: number) =>
      port >= LAST_HOST_PORT ? FIRST_HOST_PORT : port + 1;
    let port = this.#nextHostPort;
    while (this.#connections.has(key(port, guestPort))) port = next(port);
    this.#nextHostPort = next(port);
    const connection = new VsockConnection(this.#owner, {
      port,
      guestPort,
      guestCid: this.#options.guestCid,
      bufAlloc: this.#bufAlloc,
      state: "connecting",
    });
    this.#connections.set(key(port, guestPort), connection);
    this.#queue(VsockOp.REQUEST, port, guestPort);
    connection.attach(stream);
    return connection;
  }

  /**
   * The next packet for the guest, its payload at most `room - 44` bytes
   * (`room` being the rx buffer's size); undefined when there is none.
   * Control packets go first, then data, connections taking turns.
   */
  nextPacket(room: number): OutgoingPacket | undefined {
    const control = this.#control.shift();
    if (control) {
      const { op, port, guestPort, flags } = control;
      const pair = key(port, guestPort);
      if (this.#lastControl.get(pair) === control) {
        this.#lastControl.delete(pair);
      }
      const connection = this.#connections.get(pair);
      if (connection) return connection.controlPacket(op, flags);
      const guestCid = this.#options.guestCid;
      return {
        header: headerToGuest({ guestCid, port, guestPort, op, flags }),
        payload: new Uint8Array(0),
      };
    }
    const maxPayload = room - VSOCK_HEADER_SIZE;
    if (maxPayload <= 0) return undefined;
    const connections = [...this.#connections.values()];
    for (let i = 0; i < connections.length; i++) {
      const connection =
        connections[(this.#roundRobin + i) % connections.length];
      if (!connection.hasData()) continue;
      this.#roundRobin = (this.#roundRobin + i + 1) % connections.length;
      return connection.nextData(maxPayload);
    }
    return undefined;
  }

  /** Closes every connection's host end (the guest is gone). */
  closeAll(): void {
    for (const connection of [...this.#connections.values()]) {
      connection.close();
    }
    this.#control.length = 0;
    this.#lastControl.clear();
  }
}
