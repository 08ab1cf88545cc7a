/**
 * One dispatcher for every kernel-vsock VM of the user's runtime folder
 * that dials the fixed service ports (`qubesify relay local`), serving
 * until none is left. `run` no longer needs it (each run relays its own
 * VM on its CID's port block, vm_relay.ts); it remains for VMs started by
 * other means. Binding the ports is the lock: a second one waits for the
 * first to go, and takes over then.
 *
 * @module
 */
import {
  LibcError,
  openFdApi,
  openSocketApi,
  VMADDR_CID_ANY,
} from "../ffi/mod.ts";
import { readLiveVmRecords } from "../state/mod.ts";
import {
  type DispatcherOptions,
  type Relay,
  type RelayListener,
  startDispatcher,
} from "./dispatcher.ts";
import { AddressInUseError } from "./engine.ts";
import { FORWARDED_PORTS } from "./forwarder.ts";
import { registryAccessSource } from "./registry_source.ts";

/** What {@linkcode serveLocalVms} needs. */
export interface LocalDispatcherOptions
  extends Pick<DispatcherOptions, "onDecision" | "onEnd" | "onWarning"> {
  /** The user's runtime folder, where `run` registers its VMs. */
  runtimeDir: string;
  /** Default: the vsock service ports; tests pass UNIX stand-ins. */
  listeners?: readonly RelayListener[];
  /** How often to look for VMs (and for the ports to come free); 1 s. */
  pollMs?: number;
  /** Aborting closes the dispatcher. */
  signal?: AbortSignal;
}

/** Why {@linkcode serveLocalVms} returned. */
export type LocalDispatcherEnd = "no-vms" | "aborted";

/**
 * Serves while a live VM with a vsock CID is registered. While another
 * dispatcher holds the ports, waits and takes over when it goes.
 */
export async function serveLocalVms(
  options: LocalDispatcherOptions,
): Promise<LocalDispatcherEnd> {
  const pollMs = options.pollMs ?? 1_000;
  const signal = options.signal;
  const vmsLeft = async () =>
    (await readLiveVmRecords(options.runtimeDir)).some((record) =>
      typeof record.cid === "number"
    );
  while (!signal?.aborted) {
    if (!await vmsLeft()) return "no-vms";
    let relay: Relay;
    try {
      relay = await startDispatcher({
        listeners: options.listeners ??
          FORWARDED_PORTS.map((vsockPort) => ({ vsockPort })),
        vms: registryAccessSource(options.runtimeDir),
        onDecision: options.onDecision,
        onEnd: options.onEnd,
        onWarning: options.onWarning,
      });
    } catch (error) {
      if (!(error instanceof AddressInUseError)) throw error;
      await pause(pollMs, signal);
      continue;
    }
    let loopFailed = false;
    relay.stopped.then(() => loopFailed = true);
    try {
      while (!signal?.aborted && await vmsLeft()) {
        await pause(pollMs, signal);
        if (loopFailed) throw new Error("the relay loop stopped");
      }
    } finally {
      await relay.close();
    }
    // A `run` that found the ports taken while they were being let go
    // registered its VM first: looking again after closing means no VM is
    // left without a dispatcher (the outer loop binds again).
  }
  return "aborted";
}

/** Whether binding vsock `port` on every CID fails with EADDRINUSE. */
export function vsockPortTaken(port: number): boolean {
  using sockets = openSocketApi();
  using fds = openFdApi();
  const fd = sockets.socket("vsock");
  try {
    sockets.bind(fd, { family: "vsock", cid: VMADDR_CID_ANY, port });
    return false;
  } catch (error) {
    if (error instanceof LibcError && error.code === "EADDRINUSE") return true;
    throw error;
  } finally {
    fds.close(fd);
  }
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
