import assert from "node:assert/strict";
import { DEFAULT_LIMITS, resolveLimits } from "./proxy_limits.ts";

Deno.test("limits: defaults, then the policy's seconds, then overrides", () => {
  assert.deepEqual(resolveLimits(undefined), DEFAULT_LIMITS);
  assert.deepEqual(
    resolveLimits({ connections: 8, idle_timeout: 30, total_timeout: 60 }),
    {
      ...DEFAULT_LIMITS,
      connections: 8,
      idleTimeoutMs: 30_000,
      totalTimeoutMs: 60_000,
    },
  );
  assert.deepEqual(
    resolveLimits({ connections: 8 }, { connections: 1, headTimeoutMs: 200 }),
    { ...DEFAULT_LIMITS, connections: 1, headTimeoutMs: 200 },
  );
});
