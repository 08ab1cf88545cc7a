/**
 * The transport relay: guests' vsock connections to host services.
 *
 * Local topology (VMs and desktop on one machine): one dispatcher listens
 * on the vsock service ports (wayland 7000, audio 7001, egress 7002,
 * control 7003; see `SERVICE_PORTS`), learns each peer's CID from the
 * kernel, looks the CID up in the runtime registry `qubesify run` writes,
 * and relays the connection to the UNIX socket that VM may use; anything
 * else is denied. Every decision is reported (repeated refusals folded
 * into one line a second), and connections are capped per VM and in all
 * (`limits`), so one VM's burst cannot starve the others.
 *
 * ```ts
 * import {
 *   formatDecision,
 *   registryAccessSource,
 *   startDispatcher,
 * } from "./lib/relay/mod.ts";
 *
 * await using dispatcher = await startDispatcher({
 *   listeners: [
 *     { vsockPort: 7000 },
 *     // A UNIX stand-in: every connection on it counts as CID 5 dialling
 *     // port 7001 (tests, or a user-space vsock backend's socket).
 *     { unixPath: "/tmp/t/audio-5.sock", peerCid: 5, port: 7001 },
 *   ],
 *   vms: registryAccessSource(runtimeDir),
 *   onDecision: (decision) => console.error(formatDecision(decision)),
 * });
 * // ... connections are relayed until:
 * await dispatcher.close();
 * ```
 *
 * Split topology (VMs on a host, desktop in a viewer VM): `startForwarder`
 * on the host relays every VM connection to the viewer's port 7100,
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
  localDispatcherRunning,
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
  DispatcherStartError,
  ensureLocalDispatcher,
} from "./local_dispatcher_start.ts";
