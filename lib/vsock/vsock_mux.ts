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
  /** Log sink. */
  onEvent?: (event: MuxEvent) => void;
}

/** A control packet waiting for an rx buffer. */
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
  readonly #connections = new Map<string, VsockConnection>();
  readonly #control: Control[] = [];
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
  }

  /** Open connections. */
  get size(): number {
    return this.#connections.size;
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
    this.#control.push({ op, port, guestPort, flags });
  }

  /** A RST answering a packet that has no connection. */
  #refuse(header: VsockHeader): void {
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
      const connection = this.#connections.get(key(port, guestPort));
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
  }
}
