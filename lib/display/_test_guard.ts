/**
 * Test helpers for the display guard: a config, guards running test
 * filters (the same loop in a Worker of its own, `_test_guard_worker.ts`),
 * and a census of this process's open fds for leak checks.
 *
 * @module
 */

import {
  type DisplayGuard,
  type DisplayGuardOptions,
  startGuardWorker,
} from "./display_guard.ts";
import type { DisplayGuardConfig } from "./guard_protocol.ts";

export {
  BACKPRESSURE_BYTES,
  LIMIT_BYTES,
  LIMIT_FDS,
} from "./guard_connection.ts";

/**
 * Filters the test Worker builds: `throw-first` throws on the first
 * connection's first client bytes (later connections pass through),
 * `amplify` answers every client chunk with 1 MiB for the client, `greet`
 * sends {@linkcode GREETING} to the compositor first, `swallow` keeps
 * every client byte and fd.
 */
export type TestFilter = "throw-first" | "amplify" | "greet" | "swallow";

/** What the `greet` filter sends the compositor before anything else. */
export const GREETING: Uint8Array = new TextEncoder().encode("GREETING");

/** A config for guards under test. */
export const TEST_GUARD_CONFIG: DisplayGuardConfig = {
  vm: "test-vm",
  app: "test-app",
  label: "test",
  colour: "#ff0000",
  globals: { allow: [] },
  clipboard: "none",
};

/** Starts a guard whose connections get the test filter `filter`. */
export function startTestGuard(
  options: Omit<DisplayGuardOptions, "config"> & { filter: TestFilter },
): Promise<DisplayGuard> {
  const { filter, ...rest } = options;
  return startGuardWorker(
    new URL("./_test_guard_worker.ts", import.meta.url),
    {
      ...rest,
      config: {
        ...TEST_GUARD_CONFIG,
        testFilter: filter,
      } as DisplayGuardConfig,
    },
  );
}

/**
 * This process's open fds by kind (`socket`, `anon_inode:[eventfd]`,
 * `file`…), as JSON. Deno keeps some fds of a Worker's runtime after it
 * ends, so take the baseline after one warm-up guard.
 */
export function openFds(): string {
  const kinds = new Map<string, number>();
  for (const entry of Deno.readDirSync("/proc/self/fd")) {
    let target: string;
    try {
      target = Deno.readLinkSync(`/proc/self/fd/${entry.name}`);
    } catch {
      continue; // The fd of the directory listing itself.
    }
    const kind = target.replace(/:\[\d+\]$/, "").replace(/^\/.*/, "file");
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  return JSON.stringify(Object.fromEntries([...kinds].sort()));
}

/** Whether census `after` has no kind of fd more than census `before`. */
export function noMoreFds(before: string, after: string): boolean {
  const was: Record<string, number> = JSON.parse(before);
  return Object.entries(JSON.parse(after) as Record<string, number>).every((
    [kind, count],
  ) => count <= (was[kind] ?? 0));
}

/**
 * Polls `check` every `intervalMs` until it returns something other than
 * undefined, or throws naming `what` after `timeoutMs`.
 */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  what: string | (() => string),
  timeoutMs = 10_000,
  intervalMs = 10,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const named = typeof what === "string" ? what : what();
      throw new Error(`timed out waiting for ${named}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
