/**
 * The dispatcher: accepts guests' connections on service ports and relays
 * each to the host UNIX socket its VM may use, after a policy decision
 * (default deny) that is logged whether it allows or denies.
 *
 * Who the peer is comes from the kernel, never from the peer: on a vsock
 * listener it is the CID accept() reports; on a UNIX listener (the socket
 * a user-space vsock backend exposes for one VM and port, or a test's
 * stand-in) it is the CID configured for that socket. A `forwarded`
 * listener (split topology, the viewer side) reads the VM's CID and port
 * from the host forwarder's header instead, and only when the peer is the
 * forwarder: a header from anyone else is refused unread.
 *
 * A VM gets at most `limits.perCid` connections open or pending (64), the
 * dispatcher at most `limits.total` (1024); the caps are checked before
 * the VM list is asked, so a VM over its cap costs the others nothing.
 * Refusals are reported once per kind per second (see gate.ts).
 *
 * @module
 */

import {
  formatSocketAddress,
  type SocketAddress,
  VMADDR_CID_ANY,
  VMADDR_CID_HOST,
} from "../ffi/mod.ts";
import type { ConnectionLimits } from "./connection_caps.ts";
import type { RelayDecision } from "./decision.ts";
import {
  type ConnectionEnd,
  type IncomingConnection,
  type RelayEngine,
  type RouteDecision,
  startRelayEngine,
} from "./engine.ts";
import { decodeForwardHeader, FORWARD_HEADER_SIZE } from "./header.ts";
import { RelayGate } from "./gate.ts";
import { decideAccess, serviceOfPort } from "./policy.ts";
import type { VmAccessSource } from "./registry_source.ts";
import { errorMessage } from "../errors/mod.ts";

/** Where a dispatcher (or forwarder) listens. */
export type RelayListener =
  | {
    /** A vsock port, on every CID of this machine; peers' CIDs from accept. */
    readonly vsockPort: number;
    /** Connections carry a forward header (the viewer's forwarder port). */
    readonly forwarded?: boolean;
  }
  | {
    /** A UNIX socket path to create. */
    readonly unixPath: string;
    /**
     * Whom every connection on it comes from: the VM's CID (direct), or
     * the forwarder's (forwarded).
     */
    readonly peerCid: number;
    /** The vsock port it stands for; required unless forwarded. */
    readonly port?: number;
    /** Connections carry a forward header. */
    readonly forwarded?: boolean;
  };

/** What a dispatcher needs. */
export interface DispatcherOptions {
  /** Where to listen. */
  readonly listeners: readonly RelayListener[];
  /**
   * The VMs and what they may reach, asked for each connection within
   * the caps: `registryAccessSource(runtimeDir)` (local topology) or
   * `policyFileAccessSource(path)` (viewer). Both share one read among
   * the connections that ask at once.
   */
  readonly vms: VmAccessSource;
  /** Caps on connections per VM and in all; see {@linkcode ConnectionLimits}. */
  readonly limits?: ConnectionLimits;
  /** The only CID whose headers are believed; default 2, the host. */
  readonly forwarderCid?: number;
  /**
   * Every decision, allowed or denied; repeats of a refusal within a
   * second come as one summary (`repeated`).
   */
  onDecision?(decision: RelayDecision): void;
  /** Every connection's end, relayed or not, but folded refusals'. */
  onEnd?(end: ConnectionEnd): void;
  /** Problems not tied to one connection. */
  onWarning?(message: string): void;
  /** Pipe capacity per direction (see RelayEngineOptions). */
  readonly pipeSize?: number;
  /** How long a forwarded connection may take to send its header; 5 s. */
  readonly headerTimeoutMs?: number;
}

/**
 * A running relay: its engine, with addresses in the order of `listeners`;
 * close it (or `await using` it) to stop everything.
 */
export type Relay = RelayEngine;

/** The engine's listen address for `listener`. */
export function listenAddress(listener: RelayListener): SocketAddress {
  return "vsockPort" in listener
    ? { family: "vsock", cid: VMADDR_CID_ANY, port: listener.vsockPort }
    : { family: "unix", path: listener.unixPath };
}

/** The peer's CID: the kernel's for vsock, the configured one for UNIX. */
export function peerCidOf(
  listener: RelayListener,
  peer: SocketAddress,
): number | undefined {
  if ("vsockPort" in listener) {
    return peer.family === "vsock" ? peer.cid : undefined;
  }
  return listener.peerCid;
}

function checkListeners(listeners: readonly RelayListener[]): void {
  if (listeners.length === 0) throw new RangeError("nothing to listen on");
  for (const listener of listeners) {
    if (
      "unixPath" in listener && !listener.forwarded &&
      listener.port === undefined
    ) {
      throw new RangeError(
        `UNIX listener ${listener.unixPath} needs the vsock port it stands for`,
      );
    }
  }
}

/** Wraps an engine as a {@linkcode Relay}. */
export function relayOf(engine: RelayEngine): Relay {
  return {
    addresses: engine.addresses,
    get openConnections() {
      return engine.openConnections;
    },
    close: () => engine.close(),
    stopped: engine.stopped,
    [Symbol.asyncDispose]: () => engine.close(),
  };
}

/** Starts a dispatcher; see the module documentation. */
export async function startDispatcher(
  options: DispatcherOptions,
): Promise<Relay> {
  checkListeners(options.listeners);
  const forwarderCid = options.forwarderCid ?? VMADDR_CID_HOST;
  const listeners = options.listeners;
  const gate = new RelayGate(options);

  const route = async (
    incoming: IncomingConnection,
  ): Promise<RouteDecision> => {
    const listener = listeners[incoming.listener];
    const via = listener.forwarded ? "forwarded" : "direct";
    const base = {
      time: new Date().toISOString(),
      connection: incoming.id,
      relay: "dispatcher",
      via,
      listener: formatSocketAddress(listenAddress(listener)),
      peer: formatSocketAddress(incoming.peer),
    } as const;
    const deny = (
      reason: string,
      extra: Partial<RelayDecision> = {},
    ): RouteDecision => {
      gate.refuse({ ...base, ...extra, decision: "deny", reason });
      return { deny: reason };
    };
    const peerCid = peerCidOf(listener, incoming.peer);
    if (peerCid === undefined) return deny("peer has no CID");
    let cid = peerCid;
    let port: number;
    if (listener.forwarded) {
      if (peerCid !== forwarderCid) {
        return deny(
          `only the forwarder (CID ${forwarderCid}) may send headers; CID ${peerCid} tried`,
          { cid: peerCid },
        );
      }
      try {
        ({ cid, port } = decodeForwardHeader(
          incoming.prefix ?? new Uint8Array(),
        ));
      } catch (error) {
        return deny(errorMessage(error));
      }
    } else if ("vsockPort" in listener) {
      port = listener.vsockPort;
    } else {
      port = listener.port!;
    }
    const overCap = gate.admit(incoming.id, cid);
    if (overCap) {
      return deny(overCap, { cid, port, service: serviceOfPort(port) });
    }
    let vms;
    try {
      vms = await options.vms();
    } catch (error) {
      return deny(`cannot read the VM list: ${errorMessage(error)}`, {
        cid,
        port,
      });
    }
    const decision = decideAccess({ cid, port }, vms);
    if (!decision.allow) {
      return deny(decision.reason, {
        cid,
        port,
        vm: decision.vm,
        service: decision.service,
      });
    }
    const to: SocketAddress = { family: "unix", path: decision.path };
    gate.allow({
      ...base,
      cid,
      port,
      decision: "allow",
      vm: decision.vm,
      service: decision.service,
      target: formatSocketAddress(to),
    });
    return { to };
  };

  const engine = await startRelayEngine({
    listen: listeners.map((listener) => ({
      address: listenAddress(listener),
      prefixLength: listener.forwarded ? FORWARD_HEADER_SIZE : 0,
    })),
    route,
    onEnd: (end) => gate.ended(end),
    onWarning: options.onWarning,
    pipeSize: options.pipeSize,
    prefixTimeoutMs: options.headerTimeoutMs,
  });
  // Registered before any close() awaits it: folded refusals are reported
  // before closing returns.
  engine.stopped.then(() => gate.close());
  return relayOf(engine);
}
