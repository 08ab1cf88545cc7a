/**
 * A user-space virtio-vsock device for one micro VM, behind QEMU's
 * `vhost-user-vsock-device`: no /dev/vhost-vsock needed. The back-end
 * listens on a UNIX socket before QEMU starts; QEMU connects to it as a
 * client (`-chardev socket,path=…`, see lib/vm/qemu_args.ts). The first
 * connection becomes the VM's device and the socket file is removed, so
 * nobody else can speak for that VM; the back-end ends when QEMU goes.
 *
 * Guest → host: a connection to CID 2, port P goes to `services[P]` (a
 * UNIX socket path); every other port is refused with RST.
 * Host → guest: {@linkcode connectToGuest} on `connectPath`.
 *
 * @module
 */

import { QubesifyError } from "../errors/mod.ts";
import { openEventFdApi, openFdApi } from "../ffi/mod.ts";
import { closeQuietly, writeAll } from "../io/mod.ts";
import type {
  BackendEvent,
  LoopInit,
  LoopMessage,
} from "./backend_protocol.ts";
import {
  encodeConnectRequest,
  isConnectAnswer,
  MAX_CONNECT_LINE,
} from "./connect_request.ts";

export type { BackendEvent } from "./backend_protocol.ts";

/** The back-end failed to start, crashed, or a guest refused a connection. */
export class VsockBackendError extends QubesifyError {}

/** What {@linkcode startVsockBackend} needs. */
export interface VsockBackendOptions {
  /** Where to listen for QEMU (the `-chardev socket,path=` of the VM). */
  socketPath: string;
  /** The guest's CID (3 and up), given to the guest as config space. */
  guestCid: number;
  /** Host service port → UNIX socket path the guest may reach there. */
  services: ReadonlyMap<number, string>;
  /**
   * Where to listen for host → guest connection requests (see
   * {@linkcode connectToGuest}); none when unset.
   */
  connectPath?: string;
  /** Log sink for connections, refusals and device errors. */
  onEvent?: (event: BackendEvent) => void;
}

/** A running back-end; dispose it to stop it. */
export interface VsockBackend extends AsyncDisposable {
  /**
   * Settles when the back-end has ended and released everything: with
   * the reason (`"QEMU disconnected"`, `"stopped"`), or rejects with the
   * error that ended it.
   */
  readonly ended: Promise<string>;
  /** Stops the back-end (closing every connection) and waits for it. */
  close(): Promise<void>;
}

function checkOptions(options: VsockBackendOptions): void {
  if (
    !Number.isInteger(options.guestCid) || options.guestCid < 3 ||
    options.guestCid >= 0xffff_ffff
  ) {
    throw new RangeError(
      `a guest CID must be an integer from 3 to 4294967294, got ${options.guestCid}`,
    );
  }
  for (const port of options.services.keys()) {
    if (!Number.isInteger(port) || port < 0 || port > 0xffff_ffff) {
      throw new RangeError(`service port ${port} is not a 32-bit port`);
    }
  }
}

/**
 * Starts a back-end and waits until it listens on `socketPath` (and
 * `connectPath`); start QEMU after this returns.
 */
export async function startVsockBackend(
  options: VsockBackendOptions,
): Promise<VsockBackend> {
  checkOptions(options);
  const events = openEventFdApi();
  const fds = openFdApi();
  const stopFd = events.create();
  const worker = new Worker(
    new URL("./backend_worker.ts", import.meta.url),
    { type: "module" },
  );
  const ready = Promise.withResolvers<void>();
  const ended = Promise.withResolvers<string>();
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    worker.terminate();
    fds.close(stopFd);
    fds[Symbol.dispose]();
    events[Symbol.dispose]();
  };
  worker.onmessage = (message: MessageEvent<LoopMessage>) => {
    const data = message.data;
    if (data.type === "ready") ready.resolve();
    else if (data.type === "event") options.onEvent?.(data.event);
    else {
      finish();
      if (data.error) {
        const error = new VsockBackendError(`vsock back-end: ${data.error}`);
        ready.reject(error);
        ended.reject(error);
      } else {
        ready.resolve();
        ended.resolve(data.reason);
      }
    }
  };
  worker.onerror = (event) => {
    event.preventDefault();
    finish();
    const error = new VsockBackendError(
      `vsock back-end crashed: ${event.message}`,
    );
    ready.reject(error);
    ended.reject(error);
  };
  const init: LoopInit = {
    socketPath: options.socketPath,
    guestCid: options.guestCid,
    services: [...options.services],
    connectPath: options.connectPath,
    stopFd,
  };
  worker.postMessage(init);
  // Settled either way; callers see failures through ready or ended.
  ended.promise.catch(() => {});
  await ready.promise;
  const close = async () => {
    if (!finished) events.signal(stopFd);
    await ended.promise.catch(() => {});
  };
  return {
    ended: ended.promise,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * Opens a stream to guest port `port` through a back-end's `connectPath`:
 * sends `CONNECT <port>\n`, waits for `OK <host port>\n`, and returns the
 * connection, now carrying the guest's bytes. Throws when the guest
 * refuses (nothing listens there) or the back-end is gone.
 */
export async function connectToGuest(
  connectPath: string,
  port: number,
): Promise<Deno.UnixConn> {
  const conn = await Deno.connect({ transport: "unix", path: connectPath });
  try {
    await writeAll(conn, encodeConnectRequest(port));
    const line: number[] = [];
    const byte = new Uint8Array(1);
    while (true) {
      const count = await conn.read(byte);
      if (count === null) {
        throw new VsockBackendError(
          `guest port ${port} refused the connection`,
        );
      }
      if (byte[0] === 0x0a) break;
      line.push(byte[0]);
      if (line.length > MAX_CONNECT_LINE) {
        throw new VsockBackendError("malformed answer from back-end");
      }
    }
    const answer = new TextDecoder().decode(new Uint8Array(line));
    if (!isConnectAnswer(answer)) {
      throw new VsockBackendError(
        `back-end answered ${JSON.stringify(answer)}`,
      );
    }
    return conn;
  } catch (error) {
    closeQuietly(conn);
    throw error;
  }
}
