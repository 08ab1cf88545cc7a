/**
 * The egress proxy: an HTTP/1.1 forward proxy for CONNECT tunnels and plain
 * HTTP requests, listening on TCP or a UNIX socket. Every request is judged
 * by the policy, its resolved addresses by the always-deny ranges, and the
 * proxy then connects to exactly an address it checked. One JSONL record
 * per request.
 *
 * @module
 */
import type { ProxyPolicy } from "../recipe/mod.ts";
import { deniedRange } from "./address_ranges.ts";
import { type Blocklist, emptyBlocklist } from "./blocklist.ts";
import type { HostsTable } from "./hosts_file.ts";
import { formatIpAddress, type IpAddress } from "./ip_address.ts";
import type { EgressRecord } from "./log_record.ts";
import { openLogFile, type RecordSink } from "./log_writer.ts";
import { decideRequest } from "./policy.ts";
import {
  DEFAULT_HEAD_LIMITS,
  parseRequestHead,
  type RequestHead,
} from "./request_head.ts";
import { forwardedHead } from "./forwarded_head.ts";
import {
  parseRequestTarget,
  type RequestTarget,
  TargetError,
} from "./request_target.ts";
import { createResolver, hostAddresses, type Resolve } from "./resolver.ts";
import { QubesifyError } from "../errors/mod.ts";

/** Where the proxy listens. */
export type ListenAddress =
  | { hostname: string; port: number }
  | { path: string };

/** Limits and timeouts, in milliseconds where they are times. */
export interface ProxyLimitSettings {
  /** Most connections served at once; more are answered 503. */
  connections: number;
  /** Time allowed for the whole request head to arrive. */
  headTimeoutMs: number;
  /** Time allowed for resolving and connecting upstream. */
  connectTimeoutMs: number;
  /** A relay with no bytes either way for this long is closed. */
  idleTimeoutMs: number;
  /** No request lasts longer than this. */
  totalTimeoutMs: number;
}

/** The defaults: 256 connections, 10 s heads and connects, 5 min idle, 8 h total. */
export const DEFAULT_LIMITS: ProxyLimitSettings = {
  connections: 256,
  headTimeoutMs: 10_000,
  connectTimeoutMs: 10_000,
  idleTimeoutMs: 300_000,
  totalTimeoutMs: 8 * 3600_000,
};

/** What {@linkcode startEgressProxy} runs. */
export interface EgressProxyOptions {
  /** TCP address and port (port 0 picks one), or a UNIX socket path. */
  listen: ListenAddress;
  /** The policy; its `limits` apply unless `limits` overrides them. */
  policy: Pick<ProxyPolicy, "allow" | "deny" | "limits">;
  /** The loaded block lists of the policy. */
  blocklist?: Blocklist;
  /** Names pinned to addresses, consulted before DNS. */
  hosts?: HostsTable;
  /** The VM this proxy serves; tags every record. */
  vm?: string;
  /** A JSONL file to append to (owned by the proxy) or a sink (not owned). */
  log?: string | RecordSink;
  /** Overrides of the limits (tests use short timeouts). */
  limits?: Partial<ProxyLimitSettings>;
  /** The host's own addresses; default: its interfaces, read per request. */
  ownAddresses?: () => IpAddress[];
}

/** A running proxy; disposing it closes it. */
export interface EgressProxy extends AsyncDisposable {
  /** Where it listens (the picked port for port 0). */
  readonly addr: Deno.Addr;
  /** Stops listening, ends every connection, flushes the log. */
  close(): Promise<void>;
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  403: "Forbidden",
  408: "Request Timeout",
  431: "Request Header Fields Too Large",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
  505: "HTTP Version Not Supported",
};

const encoder = new TextEncoder();

/** The limits in force: defaults, then the policy's, then `overrides`. */
export function resolveLimits(
  policy: ProxyPolicy["limits"],
  overrides: Partial<ProxyLimitSettings> = {},
): ProxyLimitSettings {
  return {
    ...DEFAULT_LIMITS,
    ...(policy?.connections ? { connections: policy.connections } : {}),
    ...(policy?.idle_timeout
      ? { idleTimeoutMs: policy.idle_timeout * 1000 }
      : {}),
    ...(policy?.total_timeout
      ? { totalTimeoutMs: policy.total_timeout * 1000 }
      : {}),
    ...overrides,
  };
}

/** Starts the proxy; it serves until closed. */
export async function startEgressProxy(
  options: EgressProxyOptions,
): Promise<EgressProxy> {
  const listener = "path" in options.listen
    ? Deno.listen({ transport: "unix", path: options.listen.path })
    : Deno.listen({
      transport: "tcp",
      hostname: options.listen.hostname,
      port: options.listen.port,
    });
  let sink: RecordSink | undefined;
  try {
    // Fails now, not on the first request, when the interfaces cannot be read.
    (options.ownAddresses ?? hostAddresses)();
    sink = typeof options.log === "string"
      ? await openLogFile(options.log)
      : options.log;
  } catch (error) {
    listener.close();
    throw error;
  }
  const context: ProxyContext = {
    options,
    limits: resolveLimits(options.policy.limits, options.limits),
    blocklist: options.blocklist ?? emptyBlocklist(),
    resolve: createResolver(options.hosts),
    ownAddresses: options.ownAddresses ?? hostAddresses,
    log: (record) => sink?.write(record),
  };
  // Every connection until it is done; `served` counts those past the limit check.
  const sessions = new Set<Session>();
  let served = 0;
  let closed = false;
  const accepting = (async () => {
    while (!closed) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (closed || error instanceof Deno.errors.BadResource) break;
        // Out of file descriptors, or a connection reset before accept:
        // keep serving, after a pause so a persistent error does not spin.
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      if (sessions.size >= 2 * context.limits.connections) {
        // A flood: even the 503 answers would pile up; drop at once.
        closeQuietly(conn);
        continue;
      }
      const session = new Session(conn, context);
      sessions.add(session);
      if (served >= context.limits.connections) {
        session.refuseOverLimit().finally(() => sessions.delete(session));
        continue;
      }
      served++;
      session.serve().finally(() => {
        served--;
        sessions.delete(session);
      });
    }
  })();
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      closed = true;
      listener.close();
      await accepting;
      const pending = [...sessions].map((session) => session.abort());
      await Promise.allSettled(pending);
      if (typeof options.log === "string") await sink?.close();
      if ("path" in options.listen) {
        await Deno.remove(options.listen.path).catch(() => {});
      }
    })();
    return closing;
  };
  return { addr: listener.addr, close, [Symbol.asyncDispose]: close };
}

interface ProxyContext {
  options: EgressProxyOptions;
  limits: ProxyLimitSettings;
  blocklist: Blocklist;
  resolve: Resolve;
  ownAddresses: () => IpAddress[];
  log: (record: EgressRecord) => void;
}

/** A refusal: the status to answer and the record's rule. */
class Refusal extends QubesifyError {
  constructor(
    readonly status: number,
    readonly rule: string,
    readonly reason: string,
    readonly decision: "allow" | "deny" = "deny",
  ) {
    super(reason);
  }
}

/** One client connection, from its request head to the end of its relay. */
class Session {
  readonly #client: Deno.Conn;
  readonly #context: ProxyContext;
  readonly #started = Date.now();
  #upstream: Deno.Conn | undefined;
  #lastActivity = Date.now();
  #relaying = false;
  #timedOut: string | undefined;
  #done: Promise<void> | undefined;
  readonly #record: EgressRecord;

  constructor(client: Deno.Conn, context: ProxyContext) {
    this.#client = client;
    this.#context = context;
    this.#record = {
      time: new Date(this.#started).toISOString(),
      vm: context.options.vm ?? null,
      method: null,
      host: null,
      port: null,
      address: null,
      decision: "deny",
      rule: "",
      status: null,
      error: null,
      bytes_up: 0,
      bytes_down: 0,
      duration_ms: 0,
    };
  }

  /** Answers 503 without reading the request: too many connections. */
  refuseOverLimit(): Promise<void> {
    const limit = this.#context.limits.connections;
    this.#record.rule = `connection limit ${limit} reached`;
    this.#record.status = 503;
    this.#done = answer(
      this.#client,
      503,
      "too many connections through this proxy",
    ).finally(() => {
      closeQuietly(this.#client);
      this.#finish();
    });
    return this.#done;
  }

  /** Serves the connection; never rejects. */
  serve(): Promise<void> {
    this.#done ??= this.#serve();
    return this.#done;
  }

  /** Ends the connection now (the proxy is closing). */
  abort(): Promise<void> {
    this.#timedOut ??= "proxy closed";
    closeQuietly(this.#client);
    if (this.#upstream) closeQuietly(this.#upstream);
    return this.#done ?? Promise.resolve();
  }

  async #serve(): Promise<void> {
    const { limits } = this.#context;
    const tick = Math.max(
      10,
      Math.min(1000, limits.headTimeoutMs / 5, limits.idleTimeoutMs / 5),
    );
    const watchdog = setInterval(() => this.#watch(), tick);
    let logged = true;
    try {
      const request = await this.#readHead();
      if (!request) {
        logged = false;
        return;
      }
      await this.#handle(request.head, request.rest);
    } catch (error) {
      if (error instanceof Refusal) {
        this.#record.decision = error.decision;
        if (error.decision === "deny") this.#record.rule = error.rule;
        else this.#record.error = error.rule;
        this.#record.status = error.status;
        await answer(this.#client, error.status, error.reason);
      } else if (this.#timedOut) {
        this.#record.error ??= this.#timedOut;
      } else {
        this.#record.error ??= error instanceof Error
          ? error.message
          : String(error);
      }
    } finally {
      clearInterval(watchdog);
      closeQuietly(this.#client);
      if (this.#upstream) closeQuietly(this.#upstream);
      if (logged) this.#finish();
    }
  }

  #finish(): void {
    this.#record.duration_ms = Date.now() - this.#started;
    this.#context.log(this.#record);
  }

  #watch(): void {
    const { limits } = this.#context;
    const now = Date.now();
    let expired: string | undefined;
    if (now - this.#started > limits.totalTimeoutMs) expired = "total timeout";
    else if (
      this.#relaying && now - this.#lastActivity > limits.idleTimeoutMs
    ) {
      expired = "idle timeout";
    }
    if (expired && !this.#timedOut) {
      this.#timedOut = expired;
      closeQuietly(this.#client);
      if (this.#upstream) closeQuietly(this.#upstream);
    }
  }

  /** Reads up to the end of the head; undefined when the client sent nothing. */
  async #readHead(): Promise<
    { head: RequestHead; rest: Uint8Array } | undefined
  > {
    let buffer = new Uint8Array(0);
    const chunk = new Uint8Array(8192);
    const deadline = this.#started + this.#context.limits.headTimeoutMs;
    while (true) {
      const parsed = parseRequestHead(buffer, DEFAULT_HEAD_LIMITS);
      if (parsed.kind === "complete") {
        return { head: parsed.head, rest: buffer.slice(parsed.length) };
      }
      if (parsed.kind === "invalid") {
        throw new Refusal(
          parsed.status,
          `malformed request: ${parsed.reason}`,
          parsed.reason,
        );
      }
      const remaining = deadline - Date.now();
      const read = await withTimeout(this.#client.read(chunk), remaining)
        .catch(() => null);
      if (read === "timeout") {
        throw new Refusal(
          408,
          "request head timeout",
          "the request head did not arrive in time",
        );
      }
      if (read === null) {
        if (buffer.length === 0) return undefined;
        throw new Refusal(
          400,
          "malformed request: incomplete head",
          "incomplete request",
        );
      }
      const grown = new Uint8Array(buffer.length + read);
      grown.set(buffer);
      grown.set(chunk.subarray(0, read), buffer.length);
      buffer = grown;
    }
  }

  async #handle(head: RequestHead, rest: Uint8Array): Promise<void> {
    let target: RequestTarget;
    try {
      target = parseRequestTarget(head.method, head.target);
    } catch (error) {
      if (!(error instanceof TargetError)) throw error;
      throw new Refusal(
        error.status,
        `malformed request: ${error.message}`,
        error.message,
      );
    }
    this.#record.method = head.method;
    this.#record.host = target.host.name;
    this.#record.port = target.port;
    const own = this.#context.ownAddresses();
    if (target.host.kind === "address") {
      this.#checkAddress(target.host.address, own);
    }
    const decision = decideRequest(
      this.#context.options.policy,
      this.#context.blocklist,
      { host: target.host.name, port: target.port, kind: target.kind },
    );
    this.#record.rule = decision.rule;
    if (!decision.allowed) {
      throw new Refusal(
        403,
        decision.rule,
        `${target.host.name}:${target.port} is not allowed (${decision.rule})`,
      );
    }
    const addresses = await this.#resolve(target);
    for (const address of addresses) this.#checkAddress(address, own);
    this.#upstream = await this.#connect(addresses, target.port);
    this.#record.decision = "allow";
    if (target.kind === "connect") {
      await writeAll(
        this.#client,
        encoder.encode("HTTP/1.1 200 Connection established\r\n\r\n"),
      );
      this.#record.status = 200;
      await this.#relay(this.#upstream, rest, "tunnel");
    } else {
      const upstreamHead = encoder.encode(forwardedHead(head, target));
      await writeAll(this.#upstream, upstreamHead);
      this.#record.bytes_up += upstreamHead.length;
      await this.#relay(this.#upstream, rest, "http");
    }
    if (this.#timedOut) this.#record.error = this.#timedOut;
  }

  #checkAddress(address: IpAddress, own: IpAddress[]): void {
    const denied = deniedRange(address, own);
    if (!denied) return;
    const text = formatIpAddress(address);
    this.#record.address = text;
    const rule = `always-deny ${denied.category} ${denied.range}`;
    this.#record.rule = rule;
    throw new Refusal(403, rule, `${text} is a ${denied.category} address`);
  }

  async #resolve(target: RequestTarget): Promise<IpAddress[]> {
    if (target.host.kind === "address") return [target.host.address];
    const timeout = AbortSignal.timeout(this.#context.limits.connectTimeoutMs);
    let addresses: IpAddress[];
    try {
      addresses = await this.#context.resolve(target.host.name, timeout);
    } catch (error) {
      const why = timeout.aborted
        ? "timed out"
        : error instanceof Error
        ? error.message
        : String(error);
      throw new Refusal(
        timeout.aborted ? 504 : 502,
        `cannot resolve: ${why}`,
        `cannot resolve ${target.host.name}`,
        "allow",
      );
    }
    if (addresses.length === 0) {
      throw new Refusal(
        502,
        "cannot resolve: no addresses",
        `${target.host.name} has no addresses`,
        "allow",
      );
    }
    return addresses;
  }

  async #connect(addresses: IpAddress[], port: number): Promise<Deno.Conn> {
    const deadline = Date.now() + this.#context.limits.connectTimeoutMs;
    let why = "";
    for (const address of addresses) {
      const text = formatIpAddress(address);
      this.#record.address = text;
      const attempt = Deno.connect({ transport: "tcp", hostname: text, port });
      const result = await withTimeout(attempt, deadline - Date.now()).catch(
        (error: unknown) =>
          error instanceof Error ? error : new Error(String(error)),
      );
      if (result === "timeout") {
        attempt.then(closeQuietly, () => {});
        why = "connect timed out";
        break;
      }
      if (result instanceof Error) {
        why = result.message;
        continue;
      }
      if (this.#timedOut) {
        closeQuietly(result);
        throw new Error(this.#timedOut);
      }
      return result;
    }
    throw new Refusal(
      why === "connect timed out" ? 504 : 502,
      `cannot connect: ${why}`,
      `cannot connect to port ${port}`,
      "allow",
    );
  }

  /**
   * Copies both ways until both ends are done (a tunnel) or the upstream
   * has answered and closed (plain HTTP, sent with Connection: close).
   */
  async #relay(
    upstream: Deno.Conn,
    early: Uint8Array,
    mode: "tunnel" | "http",
  ): Promise<void> {
    this.#relaying = true;
    this.#lastActivity = Date.now();
    if (early.length > 0) {
      await writeAll(upstream, early);
      this.#record.bytes_up += early.length;
    }
    const up = this.#pump(this.#client, upstream, "bytes_up");
    const down = this.#pump(upstream, this.#client, "bytes_down");
    const ended = (end: Promise<"eof" | "error">, to: Deno.Conn) =>
      end.then(async (how) => {
        if (how === "eof") {
          await to.closeWrite().catch(() => {
            // Already closed.
          });
        } else {
          closeQuietly(this.#client);
          closeQuietly(upstream);
        }
      });
    if (mode === "http") {
      ended(up, upstream);
      await down;
      return;
    }
    await Promise.all([ended(up, upstream), ended(down, this.#client)]);
  }

  async #pump(
    from: Deno.Conn,
    to: Deno.Conn,
    counter: "bytes_up" | "bytes_down",
  ): Promise<"eof" | "error"> {
    const buffer = new Uint8Array(64 * 1024);
    while (true) {
      let read: number | null;
      try {
        read = await from.read(buffer);
      } catch {
        return "error";
      }
      if (read === null) return "eof";
      this.#lastActivity = Date.now();
      try {
        await writeAll(to, buffer.subarray(0, read));
      } catch {
        return "error";
      }
      this.#record[counter] += read;
      this.#lastActivity = Date.now();
    }
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    offset += await conn.write(bytes.subarray(offset));
  }
}

/**
 * Answers with a short text reason and closes our side, then reads what
 * the client still sends for a moment: closing with unread bytes would
 * reset the connection and the client might never see the answer.
 */
async function answer(
  conn: Deno.Conn,
  status: number,
  reason: string,
): Promise<void> {
  const body = encoder.encode(`${reason}\n`);
  const head = `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Error"}\r\n` +
    "Content-Type: text/plain; charset=utf-8\r\n" +
    `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
  const bytes = new Uint8Array(head.length + body.length);
  bytes.set(encoder.encode(head));
  bytes.set(body, head.length);
  try {
    await writeAll(conn, bytes);
    await conn.closeWrite();
  } catch {
    return;
  }
  const deadline = Date.now() + 1000;
  const sink = new Uint8Array(16 * 1024);
  let drained = 0;
  while (drained < 1024 * 1024) {
    const read = await withTimeout(conn.read(sink), deadline - Date.now())
      .catch(() => null);
    if (read === null || read === "timeout") break;
    drained += read;
  }
}

function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
): Promise<T | "timeout"> {
  if (ms <= 0) {
    promise.catch(() => {});
    return Promise.resolve("timeout");
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}
