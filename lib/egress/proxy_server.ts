/**
 * The egress proxy: an HTTP/1.1 forward proxy for CONNECT tunnels and plain
 * HTTP requests, listening on TCP or a UNIX socket. Every request is judged
 * by the policy, its resolved addresses by the always-deny ranges, and the
 * proxy then connects to exactly an address it checked. One JSONL record
 * per request; identical refusals within a second share one record with a
 * count, and the log file is rotated at its size cap.
 *
 * This file is the accept loop and its limits; one connection's handling
 * is `proxy_session.ts`, its byte relay `byte_relay.ts`, and the answers
 * the proxy gives itself `refusal.ts`.
 *
 * @module
 */
import type { ProxyPolicy } from "../recipe/mod.ts";
import { closeQuietly } from "../io/mod.ts";
import { type Blocklist, emptyBlocklist } from "./blocklist.ts";
import type { HostsTable } from "./hosts_file.ts";
import type { IpAddress } from "./ip_address.ts";
import type { ListenAddress } from "./listen_address.ts";
import { openLogFile, type RecordSink } from "./log_writer.ts";
import { type ProxyLimitSettings, resolveLimits } from "./proxy_limits.ts";
import { type ProxyContext, Session } from "./proxy_session.ts";
import { foldRefusals } from "./refusal_bursts.ts";
import { createResolver, hostAddresses } from "./resolver.ts";

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

/**
 * Starts the proxy; it serves until closed.
 *
 * @example
 * ```ts
 * import { startEgressProxy } from "./proxy_server.ts";
 * await using proxy = await startEgressProxy({
 *   listen: { hostname: "127.0.0.1", port: 0 },
 *   policy: { allow: [{ host: "example.org" }], deny: [] },
 *   log: "/tmp/requests.jsonl",
 * });
 * console.log(proxy.addr);
 * ```
 */
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
  const records = foldRefusals({ write: (record) => sink?.write(record) });
  const context: ProxyContext = {
    policy: options.policy,
    vm: options.vm,
    limits: resolveLimits(options.policy.limits, options.limits),
    blocklist: options.blocklist ?? emptyBlocklist(),
    resolve: createResolver(options.hosts),
    ownAddresses: options.ownAddresses ?? hostAddresses,
    log: records.write,
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
      records.flush();
      if (typeof options.log === "string") await sink?.close();
      if ("path" in options.listen) {
        await Deno.remove(options.listen.path).catch(() => {});
      }
    })();
    return closing;
  };
  return { addr: listener.addr, close, [Symbol.asyncDispose]: close };
}
