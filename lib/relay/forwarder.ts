/**
 * The host forwarder of the split topology: stateless. It accepts micro
 * VMs' vsock connections on the service ports (the well-known ones, and
 * the port blocks of VMs it is told of), connects to the viewer VM's
 * forwarder port and writes a forward header (the CID the kernel reported
 * and the port dialled) before relaying the VM's bytes untouched. It makes
 * no policy decision; the viewer's dispatcher does. It writes its own
 * header on every connection, so whatever a VM sends, header-shaped or
 * not, reaches the viewer as payload after it. It caps connections per VM
 * and in all, as the dispatcher does (see connection_caps.ts), so one VM
 * cannot take every connection to the viewer.
 *
 * @module
 */

import { formatSocketAddress, type SocketAddress } from "../ffi/mod.ts";
import { SERVICE_PORTS, vmServicePorts } from "../guest/mod.ts";
import type { ConnectionLimits } from "./connection_caps.ts";
import type { RelayDecision } from "./decision.ts";
import {
  listenAddress,
  peerCidOf,
  type Relay,
  type RelayListener,
  relayOf,
} from "./dispatcher.ts";
import { type ConnectionEnd, startRelayEngine } from "./engine.ts";
import { RelayGate } from "./gate.ts";
import {
  encodeForwardHeader,
  FIRST_GUEST_CID,
  LAST_GUEST_CID,
} from "./header.ts";

/** The service ports the forwarder listens on by default. */
export const FORWARDED_PORTS: readonly number[] = Object.values(SERVICE_PORTS);

/**
 * The ports to forward: the well-known service ports, and the port block
 * of each of `vmCids` (VMs given their own block in their launch spec;
 * see lib/guest/ports.ts). The viewer refuses a block port dialled by any
 * CID but its owner.
 */
export function forwardedPorts(vmCids: readonly number[] = []): number[] {
  return [
    ...FORWARDED_PORTS,
    ...vmCids.flatMap((cid) => Object.values(vmServicePorts(cid))),
  ];
}

/** What a forwarder needs. */
export interface ForwarderOptions {
  /** Where VMs connect (not `forwarded` listeners). */
  readonly listeners: readonly RelayListener[];
  /** The viewer's dispatcher: `vsock:<viewer CID>:7100`, or a UNIX socket. */
  readonly viewer: SocketAddress;
  /** Caps on connections per VM and in all; see {@linkcode ConnectionLimits}. */
  readonly limits?: ConnectionLimits;
  /**
   * Every decision (a forward, or a refusal); repeats of a refusal within
   * a second come as one summary (`repeated`).
   */
  onDecision?(decision: RelayDecision): void;
  /** Every connection's end, but folded refusals'. */
  onEnd?(end: ConnectionEnd): void;
  /** Problems not tied to one connection. */
  onWarning?(message: string): void;
  /** Pipe capacity per direction. */
  readonly pipeSize?: number;
}

/** Starts a host forwarder; see the module documentation. */
export async function startForwarder(
  options: ForwarderOptions,
): Promise<Relay> {
  const listeners = options.listeners;
  if (listeners.length === 0) throw new RangeError("nothing to listen on");
  for (const listener of listeners) {
    if (listener.forwarded) {
      throw new RangeError("a forwarder does not read headers, it writes them");
    }
    if ("unixPath" in listener && listener.port === undefined) {
      throw new RangeError(
        `UNIX listener ${listener.unixPath} needs the vsock port it stands for`,
      );
    }
  }
  const target = formatSocketAddress(options.viewer);
  const gate = new RelayGate(options);
  const engine = await startRelayEngine({
    listen: listeners.map((listener) => ({ address: listenAddress(listener) })),
    route(incoming) {
      const listener = listeners[incoming.listener];
      const cid = peerCidOf(listener, incoming.peer);
      const port = "vsockPort" in listener
        ? listener.vsockPort
        : listener.port!;
      const base = {
        time: new Date().toISOString(),
        connection: incoming.id,
        relay: "forwarder",
        via: "direct",
        listener: formatSocketAddress(listenAddress(listener)),
        peer: formatSocketAddress(incoming.peer),
        cid,
        port,
      } as const;
      if (
        cid === undefined || cid < FIRST_GUEST_CID || cid > LAST_GUEST_CID
      ) {
        // The host itself (CID 1 or 2) has no business being forwarded.
        const reason = `peer CID ${cid} is not a guest`;
        gate.refuse({ ...base, decision: "deny", reason });
        return { deny: reason };
      }
      const overCap = gate.admit(incoming.id, cid);
      if (overCap) {
        gate.refuse({ ...base, decision: "deny", reason: overCap });
        return { deny: overCap };
      }
      gate.allow({ ...base, decision: "allow", target });
      return {
        to: options.viewer,
        send: encodeForwardHeader({ cid, port }),
      };
    },
    onEnd: (end) => gate.ended(end),
    onWarning: options.onWarning,
    pipeSize: options.pipeSize,
  });
  engine.stopped.then(() => gate.close());
  return relayOf(engine);
}
