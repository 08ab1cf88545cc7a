/**
 * The proxy's limits: how many connections it serves at once and how long
 * each phase of a request may take. The defaults, then a policy's
 * `limits`, then overrides (tests use short timeouts).
 *
 * @module
 */
import type { ProxyPolicy } from "../recipe/mod.ts";

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

/**
 * The limits in force: defaults, then the policy's, then `overrides`.
 *
 * @example
 * ```ts
 * import { resolveLimits } from "./proxy_limits.ts";
 * resolveLimits({ connections: 16, idle_timeout: 60 }).idleTimeoutMs; // 60_000
 * ```
 */
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
