/**
 * A relay engine: listening sockets plus a loop in a Worker that accepts
 * connections, asks a routing function what to do with each, and splices
 * bytes between each connection and its upstream (see relay_loop.ts).
 * The dispatcher and the host forwarder are both an engine with their own
 * routing function.
 *
 * Listening sockets are created here, on the calling thread, so a port in
 * use or a bad path fails {@linkcode startRelayEngine} at once; the loop
 * owns them afterwards. Routing runs on the calling thread and may be
 * async (reading the VM registry, say); bytes never pass through it.
 *
 * @module
 */

import {
  formatSocketAddress,
  LibcError,
  O_CLOEXEC,
  openFdApi,
  openSocketApi,
  openSpliceApi,
  type SocketAddress,
  VMADDR_CID_ANY,
} from "../ffi/mod.ts";
import type {
  ControlCommand,
  LoopEvent,
  LoopInit,
  LoopListener,
} from "./protocol.ts";
import { errorMessage, QubesifyError } from "../errors/mod.ts";

/** Another process (a relay, or a stale socket file) holds the address. */
export class AddressInUseError extends QubesifyError {
  /** Names the address that is taken. */
  constructor(address: string) {
    super(
      `cannot listen on ${address}: already in use (another relay running, or a stale socket file to remove)`,
    );
  }
}

/** Where an engine listens, and what it reads before routing. */
export interface ListenSpec {
  /** A UNIX path, or a vsock port (CID `VMADDR_CID_ANY` listens on all). */
  readonly address: SocketAddress;
  /** Bytes each connection must send before it is routed (a header). */
  readonly prefixLength?: number;
}

/** A connection waiting to be routed. */
export interface IncomingConnection {
  /** The engine's id for it (also in {@linkcode ConnectionEnd}). */
  readonly id: number;
  /** Index of the listener in {@linkcode RelayEngineOptions.listen}. */
  readonly listener: number;
  /** Who connected: for vsock, the CID the kernel reported. */
  readonly peer: SocketAddress;
  /** The address it connected to. */
  readonly local: SocketAddress;
  /** The prefix it sent, when its listener asks for one. */
  readonly prefix?: Uint8Array;
}

/** Where a connection goes, or why it does not. */
export type RouteDecision =
  | {
    /** Connect here and relay. */
    readonly to: SocketAddress;
    /** Written to the upstream before any of the client's bytes. */
    readonly send?: Uint8Array;
  }
  | {
    /** Close the connection; the reason is reported in its end. */
    readonly deny: string;
  };

/** How a connection ended. */
export interface ConnectionEnd {
  /** The engine's id for it. */
  readonly id: number;
  /** Bytes relayed from the client to the upstream. */
  readonly bytesUp: number;
  /** Bytes relayed from the upstream to the client. */
  readonly bytesDown: number;
  /** Why it ended, unless it ended cleanly (both sides closed). */
  readonly error?: string;
}

/** What an engine needs. */
export interface RelayEngineOptions {
  /** Sockets to listen on. */
  readonly listen: readonly ListenSpec[];
  /** Decides each connection; a throw denies it with the error's message. */
  route(
    incoming: IncomingConnection,
  ): RouteDecision | Promise<RouteDecision>;
  /** Called when a connection is gone, relayed or not. */
  onEnd?(end: ConnectionEnd): void;
  /** Problems not tied to one connection (accept running out of fds). */
  onWarning?(message: string): void;
  /** Pipe capacity per direction; default 256 KiB. */
  readonly pipeSize?: number;
  /** How long a connection may take to send its prefix; default 5 s. */
  readonly prefixTimeoutMs?: number;
  /** listen(2) backlog; default 128. */
  readonly backlog?: number;
}

/** A running engine; close it (or `await using` it) to stop everything. */
export interface RelayEngine extends AsyncDisposable {
  /** The bound addresses, in the order of `listen` (vsock ports resolved). */
  readonly addresses: readonly SocketAddress[];
  /** Connections accepted and not ended yet. */
  readonly openConnections: number;
  /**
   * Stops listening, closes every connection and ends the Worker; removes
   * the UNIX socket files it created. Safe to call more than once.
   */
  close(): Promise<void>;
  /** Resolves when the loop has stopped (after `close()` or a failure). */
  readonly stopped: Promise<void>;
}

const DEFAULT_PIPE_SIZE = 256 * 1024;

function bindListeners(
  specs: readonly ListenSpec[],
  backlog: number,
): { listeners: LoopListener[]; addresses: SocketAddress[] } {
  using sockets = openSocketApi();
  using fds = openFdApi();
  const listeners: LoopListener[] = [];
  const addresses: SocketAddress[] = [];
  try {
    for (const spec of specs) {
      const fd = sockets.socket(spec.address.family, { nonblocking: true });
      listeners.push({ fd, prefixLength: spec.prefixLength ?? 0 });
      try {
        sockets.bind(fd, spec.address);
      } catch (error) {
        if (error instanceof LibcError && error.code === "EADDRINUSE") {
          throw new AddressInUseError(formatSocketAddress(spec.address));
        }
        throw error;
      }
      sockets.listen(fd, backlog);
      addresses.push(sockets.localAddress(fd));
    }
  } catch (error) {
    for (const listener of listeners) fds.close(listener.fd);
    for (const address of addresses) removeSocketFile(address);
    throw error;
  }
  return { listeners, addresses };
}

function removeSocketFile(address: SocketAddress): void {
  if (address.family !== "unix" || address.path === "") return;
  try {
    Deno.removeSync(address.path);
  } catch {
    // Already gone: nothing to clean up.
  }
}

/**
 * Binds the listeners and starts the loop; resolves once the loop runs
 * (see {@linkcode RelayEngine}), rejects when binding or starting fails.
 */
export function startRelayEngine(
  options: RelayEngineOptions,
): Promise<RelayEngine> {
  const { listeners, addresses } = bindListeners(
    options.listen,
    options.backlog ?? 128,
  );
  const fds = openFdApi();
  let control;
  try {
    using pipes = openSpliceApi();
    control = pipes.pipe(O_CLOEXEC);
    fds.setNonblocking(control.read, true);
  } catch (error) {
    for (const listener of listeners) fds.close(listener.fd);
    addresses.forEach(removeSocketFile);
    fds[Symbol.dispose]();
    throw error;
  }
  const controlWrite = control.write;
  const worker = new Worker(
    new URL("./relay_worker.ts", import.meta.url).href,
    { type: "module" },
  );
  // Connections closed before they were reported (no header) never count.
  const open = new Set<number>();
  let running = true;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => resolveStopped = resolve);
  let settleStart!: (error?: string) => void;
  const started = new Promise<void>((resolve, reject) =>
    settleStart = (error) =>
      error === undefined
        ? resolve()
        : reject(new Error(`relay loop failed to start: ${error}`))
  );
  const encoder = new TextEncoder();

  const send = (command: ControlCommand) => {
    if (!running) return;
    const bytes = encoder.encode(JSON.stringify(command) + "\n");
    let offset = 0;
    try {
      // The write end blocks: the loop drains it on every wake-up, so a
      // full pipe only ever means a moment's wait.
      while (offset < bytes.length) {
        offset += fds.write(controlWrite, bytes.subarray(offset)) ?? 0;
      }
    } catch (error) {
      // The loop ended on its own (EPIPE); its "stopped" message is on the
      // way and finishes the engine.
      options.onWarning?.(
        `relay loop unreachable: ${errorMessage(error)}`,
      );
    }
  };

  const finish = () => {
    if (!running) return;
    running = false;
    fds.close(controlWrite);
    fds[Symbol.dispose]();
    worker.terminate();
    addresses.forEach(removeSocketFile);
    resolveStopped();
  };

  const route = async (incoming: IncomingConnection) => {
    let decision: RouteDecision;
    try {
      decision = await options.route(incoming);
    } catch (error) {
      decision = {
        deny: errorMessage(error),
      };
    }
    if ("deny" in decision) {
      send({ op: "deny", conn: incoming.id, reason: decision.deny });
    } else {
      send({
        op: "route",
        conn: incoming.id,
        to: decision.to,
        send: decision.send ? [...decision.send] : undefined,
      });
    }
  };

  worker.onmessage = (message: MessageEvent<LoopEvent>) => {
    const event = message.data;
    switch (event.type) {
      case "ready":
        settleStart();
        break;
      case "accepted":
        open.add(event.conn);
        route({
          id: event.conn,
          listener: event.listener,
          peer: event.peer,
          local: event.local,
          prefix: event.prefix,
        });
        break;
      case "closed":
        open.delete(event.conn);
        options.onEnd?.({
          id: event.conn,
          bytesUp: event.bytesUp,
          bytesDown: event.bytesDown,
          error: event.error,
        });
        break;
      case "warning":
        options.onWarning?.(event.message);
        break;
      case "stopped":
        if (event.error) {
          options.onWarning?.(`relay loop failed: ${event.error}`);
        }
        finish();
        break;
    }
  };
  worker.onerror = (error) => {
    error.preventDefault();
    // The loop catches its own failures and closes its fds; reaching here
    // means the Worker could not even start it. Its fds are not closed
    // from this thread, since the loop may have closed (and the process
    // reused) them already.
    options.onWarning?.(`relay loop failed: ${error.message}`);
    settleStart(error.message);
    finish();
  };
  worker.postMessage(
    {
      type: "init",
      controlFd: control.read,
      listeners,
      pipeSize: options.pipeSize ?? DEFAULT_PIPE_SIZE,
      prefixTimeoutMs: options.prefixTimeoutMs ?? 5_000,
    } satisfies LoopInit,
  );

  const close = async () => {
    send({ op: "stop" });
    await stopped;
  };
  const engine: RelayEngine = {
    addresses,
    get openConnections() {
      return open.size;
    },
    close,
    stopped,
    [Symbol.asyncDispose]: close,
  };
  return started.then(() => engine);
}

/** A vsock listen address on `port` for every CID of this machine. */
export function vsockListenAddress(port: number): SocketAddress {
  return { family: "vsock", cid: VMADDR_CID_ANY, port };
}
