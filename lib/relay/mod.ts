/**
 * The transport relay: guests' vsock connections to host services.
 *
 * Local topology (VMs and desktop on one machine): each `qubesify run` of a
 * kernel-vsock VM starts `startVmRelay` in its own process. It listens on
 * that VM's port block (see `vmServicePorts` in lib/guest: one port per
 * service, derived from the CID, so VMs never share a port), takes
 * connections only from that VM's CID (the kernel reports the peer's CID
 * on accept), and relays each to the UNIX socket of the port's service;
 * anything else is denied. It closes with the VM: no daemon, nothing
 * shared, nothing left for a later VM with the same CID. Every decision is
 * reported (repeated refusals folded into one line a second), and
 * connections are capped per VM and in all (`limits`).
 *
 * ```ts
 * import { startVmRelay } from "./lib/relay/mod.ts";
 *
 * await using relay = await startVmRelay({
 *   vm: "player-1",
 *   cid: 100,
 *   services: { audio: "/run/user/1000/qubesify/player-1/audio.sock" },
 * });
 * // ... the VM runs; leaving the scope closes the relay.
 * ```
 *
 * The dispatcher under it, `startDispatcher`, takes any listeners (vsock
 * ports, or UNIX stand-ins whose every connection counts as one CID
 * dialling one port: tests, or a user-space vsock back-end's socket) and
 * a `VmAccessSource`: `staticAccessSource` (one VM), `registryAccessSource`
 * (the runtime registry, for `qubesify relay local`, which serves the
 * well-known ports by hand and is not on the run path) or
 * `policyFileAccessSource` (the viewer).
 *
 * Split topology (VMs on a host, desktop in a viewer VM): `startForwarder`
 * on the host relays every VM connection (on the well-known service ports,
 * and on the port blocks of VMs it is told of) to the viewer's port 7100,
 * prefixed with a forward header naming the VM's CID and port; the viewer
 * runs `startDispatcher` with a `forwarded` listener and a static policy
 * (`policyFileAccessSource`), believing headers only from the host's CID.
 *
 * Bytes move with splice in a Worker's epoll loop, never through
 * JavaScript; half-closes are passed on, errors close both sides.
 *
 * @module
 */

export {
  type ConnectionLimits,
  DEFAULT_CONNECTIONS_PER_CID,
  DEFAULT_CONNECTIONS_TOTAL,
} from "./connection_caps.ts";
export type { RelayDecision } from "./decision.ts";
export { formatDecision } from "./decision.ts";
export {
  type DispatcherOptions,
  type Relay,
  type RelayListener,
  startDispatcher,
} from "./dispatcher.ts";
export type { ConnectionEnd } from "./engine.ts";
export {
  FORWARDED_PORTS,
  forwardedPorts,
  type ForwarderOptions,
  startForwarder,
} from "./forwarder.ts";
export {
  decodeForwardHeader,
  encodeForwardHeader,
  FIRST_GUEST_CID,
  FORWARD_HEADER_SIZE,
  type ForwardHeader,
  ForwardHeaderError,
  LAST_GUEST_CID,
} from "./header.ts";
export {
  type AccessDecision,
  decideAccess,
  serviceOfPort,
  type VmAccess,
} from "./policy.ts";
export { parsePolicy, PolicyFileError, readPolicyFile } from "./policy_file.ts";
export {
  policyFileAccessSource,
  registryAccessSource,
  staticAccessSource,
  type VmAccessSource,
} from "./registry_source.ts";
export {
  type LocalDispatcherEnd,
  type LocalDispatcherOptions,
  serveLocalVms,
  vsockPortTaken,
} from "./local_dispatcher.ts";
export {
  logLine,
  type RelayReports,
  RelayStoppedError,
  reportingTo,
  serveForwarder,
  type ServeForwarderOptions,
  serveUntilAborted,
  serveViewer,
  type ServeViewerOptions,
} from "./serve.ts";
export {
  startVmRelay,
  VmPortsInUseError,
  vmRelayListeners,
  type VmRelayOptions,
} from "./vm_relay.ts";
