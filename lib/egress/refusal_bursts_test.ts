import assert from "node:assert/strict";
import type { EgressRecord } from "./log_record.ts";
import { foldRefusals } from "./refusal_bursts.ts";

function refusal(overrides: Partial<EgressRecord> = {}): EgressRecord {
  return {
    time: "2026-01-01T00:00:00.000Z",
    vm: "dev",
    method: "CONNECT",
    host: "example.com",
    port: 443,
    address: null,
    decision: "deny",
    rule: "no allow rule matches",
    status: 403,
    error: null,
    bytes_up: 0,
    bytes_down: 0,
    duration_ms: 1,
    ...overrides,
  };
}

Deno.test("a burst of identical refusals is one record now and one with a count", () => {
  const written: EgressRecord[] = [];
  const folder = foldRefusals({ write: (r) => written.push(r) });
  for (let i = 0; i < 1000; i++) folder.write(refusal({ duration_ms: i }));
  folder.write(refusal({ vm: "other" }));
  folder.write(refusal({ rule: "deny example.com" }));
  folder.write(refusal({ status: 200, decision: "allow" }));
  folder.write(refusal({ status: null, decision: "allow" }));
  folder.write(refusal({ status: 200, decision: "allow" }));
  assert.equal(written.length, 6);
  folder.flush();
  assert.equal(written.length, 7);
  assert.deepEqual(
    [written[6].count, written[6].duration_ms, written[6].vm],
    [999, 999, "dev"],
  );
  assert.equal(written[0].count, undefined);
  // Flushed bursts are over: the next refusal is written at once.
  folder.write(refusal());
  assert.equal(written.length, 8);
  folder.flush();
  assert.equal(written.length, 8);
});

Deno.test("a burst ends with its window", async () => {
  const written: EgressRecord[] = [];
  const folder = foldRefusals({ write: (r) => written.push(r) }, {
    windowMs: 50,
  });
  folder.write(refusal());
  folder.write(refusal());
  assert.equal(written.length, 1);
  await new Promise((resolve) => setTimeout(resolve, 120));
  // One repeat: the record of the repeat itself, no count.
  assert.equal(written.length, 2);
  assert.equal(written[1].count, undefined);
  folder.write(refusal());
  assert.equal(written.length, 3);
  folder.flush();
});

Deno.test("bursts followed at once are capped; beyond, refusals pass through", () => {
  const written: EgressRecord[] = [];
  const folder = foldRefusals({ write: (r) => written.push(r) }, {
    maxBursts: 10,
  });
  for (let round = 0; round < 3; round++) {
    for (let port = 1; port <= 100; port++) folder.write(refusal({ port }));
  }
  // 10 bursts fold their repeats; the other 90 targets are written each time.
  assert.equal(written.length, 100 + 2 * 90);
  folder.flush();
  assert.equal(written.length, 100 + 2 * 90 + 10);
  assert.ok(written.slice(-10).every((record) => record.count === 2));
});
