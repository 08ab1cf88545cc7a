/**
 * One VM's relay on the kernel's vsock: `qubesify run` starts it in its
 * own process for the VM it runs, and closes it when the VM is gone. It
 * listens on that VM's port block only (see lib/guest/ports.ts), takes
 * connections from that VM's CID only, and relays each to the host socket
 * of the service its port names. There is no daemon and no shared state:
 * nothing outlives the VM, and a later VM given the same CID dials ports
 * its own run listens on, to its own sockets.
 *
 * @module
 */
import { type ServiceName, vmServicePorts } from "../guest/mod.ts";
import {
  type DispatcherOptions,
  type Relay,
  type RelayListener,
  startDispatcher,
} from "./dispatcher.ts";
import { AddressInUseError } from "./engine.ts";
import { staticAccessSource } from "./registry_source.ts";
import { QubesifyError } from "../errors/mod.ts";

/** A port of the VM's block is taken; the message says by whom, likely. */
export class VmPortsInUseError extends QubesifyError {}

/** What {@linkcode startVmRelay} needs. */
export interface VmRelayOptions extends
  Pick<
    DispatcherOptions,
    "limits" | "onDecision" | "onEnd" | "onWarning" | "pipeSize"
  > {
  /** The VM's name, for the log. */
  vm: string;
  /** Its CID, the only peer let in. */
  cid: number;
  /** Its host sockets by service; only these ports listen. */
  services: Readonly<Partial<Record<ServiceName, string>>>;
  /**
   * Default: {@linkcode vmRelayListeners}. Tests pass UNIX stand-ins
   * (`peerCid` as the peer, `port` the block port it stands for).
   */
  listeners?: readonly RelayListener[];
}

/** The vsock ports of `cid`'s block for the services it has sockets for. */
export function vmRelayListeners(
  cid: number,
  services: Readonly<Partial<Record<ServiceName, string>>>,
): RelayListener[] {
  const ports = vmServicePorts(cid);
  return (Object.keys(ports) as ServiceName[])
    .filter((service) => services[service])
    .map((service) => ({ vsockPort: ports[service] }));
}

/**
 * Starts the VM's relay; fails at once with {@linkcode VmPortsInUseError}
 * when a port of its block is taken (a relay for the same CID: this
 * user's CID claims rule that out, another user's do not). Close it (or
 * `await using` it) when the VM is gone.
 */
export async function startVmRelay(options: VmRelayOptions): Promise<Relay> {
  try {
    return await startVmDispatcher(options);
  } catch (error) {
    if (!(error instanceof AddressInUseError)) throw error;
    // Vsock ports and CIDs are one namespace for the whole machine, and
    // CID claims are per user: the likely holder is another user's VM.
    throw new VmPortsInUseError(
      `the vsock ports of CID ${options.cid} are taken (another user's VM with this CID?): ${error.message}`,
      { cause: error },
    );
  }
}

function startVmDispatcher(options: VmRelayOptions): Promise<Relay> {
  return startDispatcher({
    listeners: options.listeners ??
      vmRelayListeners(options.cid, options.services),
    vms: staticAccessSource([{
      name: options.vm,
      cid: options.cid,
      services: { ...options.services },
    }]),
    limits: options.limits,
    onDecision: options.onDecision,
    onEnd: options.onEnd,
    onWarning: options.onWarning,
    pipeSize: options.pipeSize,
  });
}
