/**
 * The compositor's own sandboxing, where it has it. A compositor that
 * offers `wp_security_context_manager_v1` (wlroots ≥ 0.17, KDE) accepts
 * connections on a socket the guard hands it, tagged with a sandbox
 * engine, an app id and an instance id, and may restrict what such
 * connections see on top of the guard's own filter. The guard then
 * connects its VM's connections there instead of the user's socket.
 *
 * The exchange, on a management connection of the guard's: get_registry
 * and a sync to learn the globals; bind the manager; create_listener with
 * the listening socket and the read end of a pipe (its hang-up tells the
 * compositor to stop listening); set_sandbox_engine("qubesify"), the app
 * id and the instance id (the VM's name); commit; a sync to learn that it
 * took. Disposing closes the pipe's write end and the management
 * connection, and removes the socket file.
 *
 * @module
 */
import {
  EpollEvents,
  EPOLLIN,
  O_CLOEXEC,
  openEpollApi,
  openFdApi,
  openFdPassingApi,
  openSocketApi,
  openSpliceApi,
} from "../ffi/mod.ts";
import { errorMessage, QubesifyError } from "../errors/mod.ts";
import { protocolInterface } from "./protocol.ts";
import {
  type ArgValue,
  decodeArgs,
  encodeMessage,
  HEADER_SIZE,
  readHeader,
} from "./wire.ts";
import { concatBytes } from "../io/mod.ts";

/** The compositor refused or did not answer the security context. */
export class SecurityContextError extends QubesifyError {}

/** A compositor-sandboxed socket for a VM's connections. */
export interface SandboxedListener extends Disposable {
  /** Where the compositor accepts the VM's connections. */
  readonly path: string;
}

/** What {@linkcode openSandboxedListener} needs. */
export interface SandboxedListenerOptions {
  /** The user's compositor socket. */
  compositorPath: string;
  /** Where the sandboxed socket goes (in the VM's runtime folder). */
  listenPath: string;
  /** The app id the compositor sees: `qubesify-<app>`. */
  appId: string;
  /** The instance id: the VM's name. */
  instanceId: string;
  /** How long the compositor may take to answer; 2 s. */
  timeoutMs?: number;
}

/** The sandbox engine qubesify names itself as. */
export const SANDBOX_ENGINE = "qubesify";

const MANAGER = "wp_security_context_manager_v1";

/** Object ids on the management connection. */
const ID = {
  display: 1,
  registry: 2,
  firstSync: 3,
  manager: 4,
  context: 5,
  lastSync: 6,
};

/**
 * Opens a sandboxed listener when the compositor offers the security
 * context manager; undefined when it does not.
 */
export function openSandboxedListener(
  options: SandboxedListenerOptions,
): SandboxedListener | undefined {
  using sockets = openSocketApi();
  using passing = openFdPassingApi();
  const fds = openFdApi();
  const held: number[] = [];
  const closeAll = () => {
    for (const fd of held.splice(0)) fds.close(fd);
  };
  try {
    const management = sockets.socket("unix");
    held.push(management);
    sockets.connect(management, {
      family: "unix",
      path: options.compositorPath,
    });
    const talk = new ManagementConnection(
      management,
      options.timeoutMs ?? 2000,
    );
    talk.send("wl_display", ID.display, "get_registry", [ID.registry]);
    talk.send("wl_display", ID.display, "sync", [ID.firstSync]);
    const globals = talk.readUntilDone(ID.firstSync);
    const manager = globals.find((g) => g.iface === MANAGER);
    if (!manager) {
      closeAll();
      fds[Symbol.dispose]();
      return undefined;
    }
    const listener = sockets.socket("unix");
    held.push(listener);
    sockets.bind(listener, { family: "unix", path: options.listenPath });
    sockets.listen(listener, 128);
    using pipes = openSpliceApi();
    const pipe = pipes.pipe(O_CLOEXEC);
    held.push(pipe.write);
    talk.send("wl_registry", ID.registry, "bind", [
      manager.name,
      { interface: MANAGER, version: 1, id: ID.manager },
    ]);
    talk.send(MANAGER, ID.manager, "create_listener", [
      ID.context,
      listener,
      pipe.read,
    ]);
    talk.send("wp_security_context_v1", ID.context, "set_sandbox_engine", [
      SANDBOX_ENGINE,
    ]);
    talk.send("wp_security_context_v1", ID.context, "set_app_id", [
      options.appId,
    ]);
    talk.send("wp_security_context_v1", ID.context, "set_instance_id", [
      options.instanceId,
    ]);
    talk.send("wp_security_context_v1", ID.context, "commit", []);
    talk.send("wl_display", ID.display, "sync", [ID.lastSync]);
    talk.flush(passing);
    // The compositor holds its own copies now.
    fds.close(pipe.read);
    held.splice(held.indexOf(listener), 1);
    fds.close(listener);
    talk.readUntilDone(ID.lastSync);
    return {
      path: options.listenPath,
      [Symbol.dispose]() {
        closeAll();
        fds[Symbol.dispose]();
        Deno.removeSync(options.listenPath);
      },
    };
  } catch (error) {
    closeAll();
    fds[Symbol.dispose]();
    Deno.remove(options.listenPath).catch(() => {});
    if (error instanceof SecurityContextError) throw error;
    throw new SecurityContextError(
      `the compositor's security context failed: ${errorMessage(error)}`,
    );
  }
}

/** A global the registry announced. */
interface Global {
  name: number;
  iface: string;
}

/** The guard's side of the management connection: blocking, with a deadline. */
class ManagementConnection {
  #fd: number;
  #timeoutMs: number;
  #out: { bytes: Uint8Array[]; fds: number[] } = { bytes: [], fds: [] };
  #in: Uint8Array = new Uint8Array(0);
  #objects = new Map<number, string>([[ID.display, "wl_display"]]);

  constructor(fd: number, timeoutMs: number) {
    this.#fd = fd;
    this.#timeoutMs = timeoutMs;
  }

  /** Queues a request; fd arguments travel with the next flush. */
  send(iface: string, id: number, name: string, args: ArgValue[]): void {
    const spec = protocolInterface(iface)!;
    const opcode = spec.requests.findIndex((m) => m.name === name);
    const message = encodeMessage(id, opcode, spec.requests[opcode], args);
    this.#out.bytes.push(message.bytes);
    this.#out.fds.push(...message.fds);
    spec.requests[opcode].args.forEach((arg, index) => {
      const value = args[index];
      if (arg.type !== "new_id") return;
      if (typeof value === "number") this.#objects.set(value, arg.interface!);
      else if (value && typeof value === "object" && "id" in value) {
        this.#objects.set(value.id, value.interface);
      }
    });
  }

  /** Sends what is queued, fds with the first byte. */
  flush(passing: ReturnType<typeof openFdPassingApi>): void {
    const bytes = concatBytes(this.#out.bytes);
    let sent = 0;
    let fds = this.#out.fds;
    while (sent < bytes.length) {
      sent += passing.send(this.#fd, bytes.subarray(sent), fds) ?? 0;
      fds = [];
    }
    this.#out = { bytes: [], fds: [] };
  }

  /**
   * Flushes, then reads events until `callback` is done: the globals
   * announced meanwhile. A protocol error from the compositor throws.
   */
  readUntilDone(callback: number): Global[] {
    using passing = openFdPassingApi();
    using epoll = openEpollApi();
    const fds = openFdApi();
    this.flush(passing);
    const epfd = epoll.create();
    const globals: Global[] = [];
    try {
      epoll.add(epfd, this.#fd, EPOLLIN, 0);
      const events = new EpollEvents(1);
      const deadline = Date.now() + this.#timeoutMs;
      const buffer = new Uint8Array(4096);
      for (;;) {
        const waited = epoll.wait(
          epfd,
          events,
          Math.max(0, deadline - Date.now()),
        );
        if (waited === 0 && Date.now() >= deadline) {
          throw new SecurityContextError(
            "the compositor did not answer in time",
          );
        }
        const received = passing.receive(this.#fd, buffer);
        if (!received) continue;
        for (const fd of received.fds) fds.close(fd);
        if (received.length === 0) {
          throw new SecurityContextError(
            "the compositor closed the connection",
          );
        }
        this.#in = concatBytes([this.#in, buffer.slice(0, received.length)]);
        if (this.#consume(globals, callback)) return globals;
      }
    } finally {
      fds.close(epfd);
      fds[Symbol.dispose]();
    }
  }

  /** Handles whole events; true once `callback` is done. */
  #consume(globals: Global[], callback: number): boolean {
    let offset = 0;
    try {
      for (;;) {
        const header = readHeader(this.#in, offset);
        if (!header || offset + header.size > this.#in.length) return false;
        const iface = this.#objects.get(header.objectId);
        const spec = iface && protocolInterface(iface)?.events[header.opcode];
        if (!spec) {
          throw new SecurityContextError(
            `unexpected event for object ${header.objectId}`,
          );
        }
        const args = decodeArgs(
          spec,
          this.#in.subarray(offset + HEADER_SIZE, offset + header.size),
          [],
        );
        offset += header.size;
        if (iface === "wl_display" && spec.name === "error") {
          throw new SecurityContextError(
            `the compositor refused it: ${args[2]}`,
          );
        }
        if (iface === "wl_registry" && spec.name === "global") {
          globals.push({ name: args[0] as number, iface: args[1] as string });
        }
        if (header.objectId === callback && spec.name === "done") return true;
      }
    } finally {
      this.#in = this.#in.slice(offset);
    }
  }
}
