/**
 * One client connection of the egress proxy, from its request head to the
 * end of its relay: read the head within the head timeout, judge the
 * target by the policy and the always-deny ranges, connect, then answer
 * `200 Connection established` and tunnel (CONNECT) or forward the
 * rewritten head and exactly the body it declares, and relay the answer
 * (plain HTTP: one request per connection). A watchdog ends the
 * connection at the total or idle timeout. Every connection that sent
 * anything ends with one log record.
 *
 * @module
 */
import { errorMessage } from "../errors/mod.ts";
import { closeQuietly, writeAll } from "../io/mod.ts";
import type { ProxyPolicy } from "../recipe/mod.ts";
import type { Blocklist } from "./blocklist.ts";
import {
  BodyFramingError,
  type BodyMeter,
  requestBodyMeter,
} from "./body_framing.ts";
import { relayBytes } from "./byte_relay.ts";
import {
  checkAddress,
  connectDestination,
  resolveDestination,
} from "./destination.ts";
import { forwardedHead } from "./forwarded_head.ts";
import type { IpAddress } from "./ip_address.ts";
import { type EgressRecord, loggedMethod } from "./log_record.ts";
import { decideRequest } from "./policy.ts";
import type { ProxyLimitSettings } from "./proxy_limits.ts";
import { answer, Refusal } from "./refusal.ts";
import {
  DEFAULT_HEAD_LIMITS,
  parseRequestHead,
  type RequestHead,
} from "./request_head.ts";
import {
  parseRequestTarget,
  type RequestTarget,
  TargetError,
} from "./request_target.ts";
import type { Resolve } from "./resolver.ts";
import { withTimeout } from "../exec/mod.ts";

/** What every session of one proxy shares. */
export interface ProxyContext {
  /** The policy's rules. */
  policy: Pick<ProxyPolicy, "allow" | "deny">;
  /** The VM the proxy serves, for the records. */
  vm: string | undefined;
  /** The limits in force. */
  limits: ProxyLimitSettings;
  /** The policy's block lists. */
  blocklist: Blocklist;
  /** Names to addresses: the hosts table, then DNS. */
  resolve: Resolve;
  /** The host's own addresses, read per request. */
  ownAddresses: () => IpAddress[];
  /** Takes each finished record. */
  log: (record: EgressRecord) => void;
}

const encoder = new TextEncoder();

/** One client connection, from its request head to the end of its relay. */
export class Session {
  readonly #client: Deno.Conn;
  readonly #context: ProxyContext;
  readonly #started = Date.now();
  #upstream: Deno.Conn | undefined;
  #lastActivity = Date.now();
  #relaying = false;
  #timedOut: string | undefined;
  #done: Promise<void> | undefined;
  readonly #record: EgressRecord;

  /** A session for `client`; nothing happens until it is served. */
  constructor(client: Deno.Conn, context: ProxyContext) {
    this.#client = client;
    this.#context = context;
    this.#record = {
      time: new Date(this.#started).toISOString(),
      vm: context.vm ?? null,
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
    this.#closeBoth();
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
        this.#record.error ??= errorMessage(error);
      }
    } finally {
      clearInterval(watchdog);
      this.#closeBoth();
      if (logged) this.#finish();
    }
  }

  #closeBoth(): void {
    closeQuietly(this.#client);
    if (this.#upstream) closeQuietly(this.#upstream);
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
      this.#closeBoth();
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
    const { limits } = this.#context;
    this.#record.method = loggedMethod(head.method);
    const target = this.#target(head);
    const body = target.kind === "http" ? this.#body(head) : undefined;
    this.#record.host = target.host.name;
    this.#record.port = target.port;
    const own = this.#context.ownAddresses();
    if (target.host.kind === "address") {
      checkAddress(target.host.address, own, this.#record);
    }
    const decision = decideRequest(
      this.#context.policy,
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
    const addresses = await resolveDestination(
      target,
      this.#context.resolve,
      limits.connectTimeoutMs,
    );
    for (const address of addresses) checkAddress(address, own, this.#record);
    const upstream = await connectDestination(
      addresses,
      target.port,
      limits.connectTimeoutMs,
      this.#record,
    );
    if (this.#timedOut) {
      closeQuietly(upstream);
      throw new Error(this.#timedOut);
    }
    this.#upstream = upstream;
    this.#record.decision = "allow";
    if (target.kind === "connect") {
      await writeAll(
        this.#client,
        encoder.encode("HTTP/1.1 200 Connection established\r\n\r\n"),
      );
      this.#record.status = 200;
    } else {
      const upstreamHead = encoder.encode(forwardedHead(head, target));
      await writeAll(upstream, upstreamHead);
      this.#record.bytes_up += upstreamHead.length;
    }
    this.#relaying = true;
    this.#lastActivity = Date.now();
    await relayBytes({
      client: this.#client,
      upstream,
      early: rest,
      mode: body ? { kind: "http", body } : { kind: "tunnel" },
      counts: this.#record,
      onActivity: () => this.#lastActivity = Date.now(),
    });
    if (this.#timedOut) this.#record.error = this.#timedOut;
  }

  /** The plain request's body meter, or a 400 refusal for bad framing. */
  #body(head: RequestHead): BodyMeter {
    try {
      return requestBodyMeter(head);
    } catch (error) {
      if (!(error instanceof BodyFramingError)) throw error;
      throw new Refusal(
        400,
        `malformed request: ${error.message}`,
        error.message,
      );
    }
  }

  /** The request's target, or a 400 refusal saying what is wrong with it. */
  #target(head: RequestHead): RequestTarget {
    try {
      return parseRequestTarget(head.method, head.target);
    } catch (error) {
      if (!(error instanceof TargetError)) throw error;
      throw new Refusal(
        error.status,
        `malformed request: ${error.message}`,
        error.message,
      );
    }
  }
}
