/**
 * A Wayland client with no library in between, for tests that must send
 * what no well-behaved client sends (a bind to a global nobody announced,
 * a request to an object it never made) and for the guard's benchmark,
 * which needs a client whose own cost is small and the same on both
 * sides.
 *
 * It speaks through libc's sendmsg/recvmsg (lib/ffi), so requests can
 * carry fds (a wl_shm pool's memfd). A blocking client waits in recvmsg
 * (the benchmark's round trips); a non-blocking one polls, so a test can
 * give up on a display that does not answer.
 *
 * Object ids are handed out in order and never reused, which every
 * libwayland server accepts.
 *
 * @example
 * ```ts
 * using client = RawWaylandClient.connect(guard.path);
 * const registry = client.create("wl_registry");
 * client.request(1, "get_registry", [registry]);
 * const globals = (await client.roundTrip()).filter((e) => e.name === "global");
 * ```
 *
 * @module
 */
import {
  type ArgValue,
  decodeArgs,
  encodeMessage,
  HEADER_SIZE,
  protocolInterface,
  readHeader,
} from "../../lib/display/mod.ts";
import {
  ERRNO,
  FD_PASSING_MAX_BYTES,
  type FdApi,
  type FdPassingApi,
  LibcError,
  openFdApi,
  openFdPassingApi,
  openSocketApi,
} from "../../lib/ffi/mod.ts";
import { concatBytes } from "../../lib/io/mod.ts";

/** An event as the client read it. */
export interface RawEvent {
  /** The object it was sent to. */
  id: number;
  opcode: number;
  /** The object's interface, when the client knows the object. */
  iface?: string;
  /** The event's name and arguments, when the client knows the object. */
  name?: string;
  args?: ArgValue[];
}

/** What {@linkcode RawWaylandClient.pump} saw. */
export interface Pumped {
  /** Every event read, in order. */
  events: RawEvent[];
  /** The display closed the connection. */
  closed: boolean;
  /** The predicate held for the last event. */
  matched: boolean;
}

/** What {@linkcode RawWaylandClient.connect} takes besides the path. */
export interface RawClientOptions {
  /** Wait in recvmsg (default: poll, so waits can time out). */
  blocking?: boolean;
}

const READ_SIZE = 64 * 1024;

/** A raw connection to a Wayland display; dispose to close it. */
export class RawWaylandClient implements Disposable {
  /** Interfaces of the objects the client knows, by id (1 is wl_display). */
  readonly objects = new Map<number, string>([[1, "wl_display"]]);
  #fd: number;
  #blocking: boolean;
  #passing: FdPassingApi;
  #fdApi: FdApi;
  #buffer = new Uint8Array(READ_SIZE);
  #pending = new Uint8Array(0);
  #fds: number[] = [];
  #nextId = 2;
  #closed = false;
  #out: Uint8Array[] = [];
  #outFds: number[] = [];

  private constructor(
    fd: number,
    blocking: boolean,
    passing: FdPassingApi,
    fdApi: FdApi,
  ) {
    this.#fd = fd;
    this.#blocking = blocking;
    this.#passing = passing;
    this.#fdApi = fdApi;
  }

  /** Connects to the display socket at `path`. */
  static connect(
    path: string,
    options: RawClientOptions = {},
  ): RawWaylandClient {
    using sockets = openSocketApi();
    const fdApi = openFdApi();
    const passing = openFdPassingApi();
    const fd = sockets.socket("unix", { nonblocking: !options.blocking });
    try {
      // A UNIX socket connects at once, even a non-blocking one.
      sockets.connect(fd, { family: "unix", path });
    } catch (error) {
      fdApi.close(fd);
      passing[Symbol.dispose]();
      fdApi[Symbol.dispose]();
      throw error;
    }
    return new RawWaylandClient(fd, options.blocking ?? false, passing, fdApi);
  }

  /** Whether the display closed the connection. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The id the next {@linkcode create} hands out. */
  get nextId(): number {
    return this.#nextId;
  }

  /** A new object id for an object of `iface`. */
  create(iface: string): number {
    const id = this.#nextId++;
    this.objects.set(id, iface);
    return id;
  }

  /**
   * Queues request `name` to object `id`, whose interface the client
   * knows (or `iface` names, for an object it never made); fd arguments go
   * with it (the caller may close its copies once it is flushed).
   */
  request(id: number, name: string, args: ArgValue[], iface?: string): void {
    const named = iface ?? this.objects.get(id);
    const spec = named ? protocolInterface(named) : undefined;
    if (!spec) throw new Error(`object ${id} has no known interface`);
    const opcode = spec.requests.findIndex((message) => message.name === name);
    if (opcode < 0) throw new Error(`${named} has no request ${name}`);
    const { bytes, fds } = encodeMessage(
      id,
      opcode,
      spec.requests[opcode],
      args,
    );
    this.#out.push(bytes);
    this.#outFds.push(...fds);
  }

  /** Queues raw bytes (a message the codec would not encode). */
  sendRaw(bytes: Uint8Array): void {
    this.#out.push(bytes);
  }

  /**
   * Sends what is queued, as libwayland does before it waits: one
   * sendmsg for many requests, their fds with the first bytes.
   */
  flush(): void {
    const bytes = concatBytes(this.#out.splice(0));
    const fds = this.#outFds.splice(0);
    for (let sent = 0; sent < bytes.length; sent += FD_PASSING_MAX_BYTES) {
      this.#send(
        bytes.subarray(sent, sent + FD_PASSING_MAX_BYTES),
        sent === 0 ? fds : [],
      );
    }
  }

  /** Queues wl_display.sync and returns the callback's id. */
  sync(): number {
    const callback = this.create("wl_callback");
    this.request(1, "sync", [callback]);
    return callback;
  }

  /**
   * Reads events until `until` holds for one, the display closes, or
   * `timeoutMs` passes (a non-blocking client only).
   */
  async pump(
    until: (event: RawEvent) => boolean,
    timeoutMs = 5_000,
  ): Promise<Pumped> {
    this.flush();
    const deadline = Date.now() + timeoutMs;
    const events: RawEvent[] = [];
    while (!this.#closed) {
      const read = this.#read();
      for (const event of read) {
        events.push(event);
        if (until(event)) return { events, closed: false, matched: true };
      }
      if (read.length > 0 || this.#closed) continue;
      if (Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return { events, closed: this.#closed, matched: false };
  }

  /** {@linkcode pump} for a blocking client: waits as long as it takes. */
  pumpSync(until: (event: RawEvent) => boolean): Pumped {
    if (!this.#blocking) throw new Error("pumpSync needs a blocking client");
    this.flush();
    const events: RawEvent[] = [];
    while (!this.#closed) {
      for (const event of this.#read()) {
        events.push(event);
        if (until(event)) return { events, closed: false, matched: true };
      }
    }
    return { events, closed: true, matched: false };
  }

  /** A sync and the events up to its done; throws when the display closes. */
  async roundTrip(timeoutMs = 5_000): Promise<RawEvent[]> {
    const callback = this.sync();
    const pumped = await this.pump((event) => event.id === callback, timeoutMs);
    if (!pumped.matched) {
      const error = pumped.events.find((event) =>
        event.id === 1 && event.name === "error"
      );
      throw new Error(
        pumped.closed
          ? `the display closed the connection${
            error ? `: ${JSON.stringify(error.args)}` : ""
          }`
          : "no answer",
      );
    }
    return pumped.events;
  }

  /** Closes the connection and any fds the display sent. */
  [Symbol.dispose](): void {
    if (this.#fd < 0) return;
    for (const fd of this.#fds.splice(0)) this.#fdApi.close(fd);
    this.#fdApi.close(this.#fd);
    this.#fd = -1;
    this.#passing[Symbol.dispose]();
    this.#fdApi[Symbol.dispose]();
  }

  #send(bytes: Uint8Array, fds: number[]): void {
    let at = 0;
    let attached = fds;
    while (at < bytes.length) {
      let sent: number | undefined;
      try {
        sent = this.#passing.send(this.#fd, bytes.subarray(at), attached);
      } catch (error) {
        if (!isHangUp(error)) throw error;
        // The display is gone; reading says so.
        this.#closed = true;
        return;
      }
      if (sent === undefined) continue; // A full socket: a test's few bytes drain at once.
      at += sent;
      attached = [];
    }
  }

  /** One recvmsg's worth of whole events; sets closed at end of file. */
  #read(): RawEvent[] {
    let received;
    try {
      received = this.#passing.receive(this.#fd, this.#buffer);
    } catch (error) {
      if (!isHangUp(error)) throw error;
      received = { length: 0, fds: [] };
    }
    if (received === undefined) return [];
    this.#fds.push(...received.fds);
    if (received.length === 0) {
      this.#closed = true;
      return [];
    }
    const bytes = new Uint8Array(this.#pending.length + received.length);
    bytes.set(this.#pending);
    bytes.set(this.#buffer.subarray(0, received.length), this.#pending.length);
    const events: RawEvent[] = [];
    let offset = 0;
    for (;;) {
      const header = readHeader(bytes, offset);
      if (!header || offset + header.size > bytes.length) break;
      const body = bytes.subarray(offset + HEADER_SIZE, offset + header.size);
      events.push(this.#decode(header.objectId, header.opcode, body));
      offset += header.size;
    }
    this.#pending = bytes.slice(offset);
    return events;
  }

  #decode(id: number, opcode: number, body: Uint8Array): RawEvent {
    const iface = this.objects.get(id);
    const spec = iface ? protocolInterface(iface)?.events[opcode] : undefined;
    if (!iface || !spec) return { id, opcode, iface };
    const args = decodeArgs(spec, body, this.#fds);
    spec.args.forEach((arg, index) => {
      if (arg.type === "new_id" && arg.interface) {
        this.objects.set(args[index] as number, arg.interface);
      } else if (arg.type === "fd") {
        // Nothing here reads a keymap or a clipboard pipe.
        this.#fdApi.close(args[index] as number);
      }
    });
    return { id, opcode, iface, name: spec.name, args };
  }
}

/** A peer that closed with our bytes unread resets the connection. */
function isHangUp(error: unknown): boolean {
  return error instanceof LibcError &&
    (error.errno === ERRNO.ECONNRESET || error.errno === ERRNO.EPIPE);
}

/** The globals in `events` (wl_registry.global), by interface. */
export function announcedGlobals(
  events: readonly RawEvent[],
): { name: number; interface: string; version: number }[] {
  return events.filter((event) => event.name === "global" && event.args).map(
    (event) => {
      const [name, iface, version] = event.args as [number, string, number];
      return { name, interface: iface, version };
    },
  );
}
