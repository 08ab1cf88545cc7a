/**
 * Relays as foreground services (`qubesify relay host|viewer`): each logs
 * its decisions and connection ends as JSON lines, runs until its
 * AbortSignal fires (Ctrl-C, through `withInterruption`), and fails when
 * its loop dies on its own.
 *
 * @module
 */
import { QubesifyError } from "../errors/mod.ts";
import type { VsockAddress } from "../ffi/mod.ts";
import type { RelayDecision } from "./decision.ts";
import {
  type Relay,
  type RelayListener,
  startDispatcher,
} from "./dispatcher.ts";
import type { ConnectionEnd } from "./engine.ts";
import { forwardedPorts, startForwarder } from "./forwarder.ts";
import { readPolicyFile } from "./policy_file.ts";
import { policyFileAccessSource } from "./registry_source.ts";

/** Where a served relay reports. */
export interface RelayReports {
  /** Each decision and connection end, as a JSON line with its newline. */
  log(line: string): void;
  /** A problem not tied to one connection (one line, no newline). */
  warn(message: string): void;
}

/** The relay loop ended although nobody asked it to. */
export class RelayStoppedError extends QubesifyError {}

/** One line of a relay's log. */
export function logLine(
  entry:
    | ({ event: "decision" } & RelayDecision)
    | ({ event: "end" } & ConnectionEnd),
): string {
  return JSON.stringify(entry) + "\n";
}

/** The relay callbacks that write `reports`. */
export function reportingTo(reports: RelayReports) {
  return {
    onDecision: (decision: RelayDecision) =>
      reports.log(logLine({ event: "decision", ...decision })),
    onEnd: (end: ConnectionEnd) =>
      reports.log(logLine({ event: "end", ...end })),
    onWarning: (message: string) => reports.warn(message),
  };
}

/**
 * Serves `relay` until `signal` aborts (then closes it and resolves) or
 * until it stops by itself (then rejects with {@linkcode RelayStoppedError}).
 */
export async function serveUntilAborted(
  relay: Relay,
  signal: AbortSignal,
): Promise<void> {
  const aborted = new Promise<"aborted">((resolve) => {
    if (signal.aborted) resolve("aborted");
    signal.addEventListener("abort", () => resolve("aborted"), { once: true });
  });
  const first = await Promise.race([
    aborted,
    relay.stopped.then(() => "stopped" as const),
  ]);
  if (first === "stopped") {
    throw new RelayStoppedError("the relay loop stopped");
  }
  await relay.close();
}

/** What {@linkcode serveForwarder} needs. */
export interface ServeForwarderOptions {
  /** The viewer's dispatcher. */
  viewer: VsockAddress;
  /**
   * VMs whose launch spec gives them their own port block: their blocks
   * are forwarded too, besides the well-known service ports.
   */
  vmCids?: readonly number[];
  /** Where it reports. */
  reports: RelayReports;
  /** Called once the service ports listen. */
  onListening?(ports: readonly number[]): void;
  /** Stops it. */
  signal: AbortSignal;
}

/**
 * The split topology's host side: listens on the service ports and
 * forwards each VM's connection to the viewer, opened by a header with
 * the peer CID the kernel reported.
 */
export async function serveForwarder(
  options: ServeForwarderOptions,
): Promise<void> {
  const ports = forwardedPorts(options.vmCids);
  const forwarder = await startForwarder({
    listeners: ports.map((vsockPort) => ({ vsockPort })),
    viewer: options.viewer,
    ...reportingTo(options.reports),
  });
  options.onListening?.(ports);
  await serveUntilAborted(forwarder, options.signal);
}

/** What {@linkcode serveViewer} needs. */
export interface ServeViewerOptions {
  /** The policy file mapping CIDs to the services each VM may reach. */
  policyFile: string;
  /** Where forwarded connections arrive: a vsock port or a UNIX socket. */
  listen: { vsockPort: number } | { unixPath: string };
  /** The only CID whose headers are believed (the host). */
  forwarderCid: number;
  /** Where it reports. */
  reports: RelayReports;
  /** Called once it listens. */
  onListening?(): void;
  /** Stops it. */
  signal: AbortSignal;
}

/**
 * The split topology's viewer side: relays each forwarded connection to
 * the socket its VM may use by the policy file, which is read once now
 * (a broken file fails at once) and again when it changes, so edits apply
 * without a restart.
 */
export async function serveViewer(options: ServeViewerOptions): Promise<void> {
  await readPolicyFile(options.policyFile);
  const listener: RelayListener = "unixPath" in options.listen
    ? {
      unixPath: options.listen.unixPath,
      // Peers of a user-space vsock back-end's socket count as the forwarder.
      peerCid: options.forwarderCid,
      forwarded: true,
    }
    : { vsockPort: options.listen.vsockPort, forwarded: true };
  const dispatcher = await startDispatcher({
    listeners: [listener],
    vms: policyFileAccessSource(options.policyFile),
    forwarderCid: options.forwarderCid,
    ...reportingTo(options.reports),
  });
  options.onListening?.();
  await serveUntilAborted(dispatcher, options.signal);
}
