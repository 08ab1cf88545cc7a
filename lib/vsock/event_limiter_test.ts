import assert from "node:assert/strict";
import { EventLimiter } from "./event_limiter.ts";

type Event = { kind: "refused" | "dropped" | "connected" };

Deno.test("event limiter: a window's share passes, the rest is summed up after it", () => {
  let now = 0;
  const limiter = new EventLimiter<Event>({
    limit: 3,
    windowMs: 1000,
    now: () => now,
  });
  const posted = [];
  for (let i = 0; i < 1_000_000; i++) {
    posted.push(...limiter.admit({ kind: i % 2 ? "refused" : "dropped" }));
  }
  assert.deepEqual(posted.map((e) => e.kind), [
    "dropped",
    "refused",
    "dropped",
  ]);
  assert.equal(limiter.flush(), undefined, "the window is not over");
  now = 400;
  assert.equal(limiter.flushDueIn(), 600);

  now = 1000;
  assert.deepEqual(limiter.flush(), {
    kind: "suppressed",
    counts: { refused: 499_999, dropped: 499_998 },
  });
  assert.equal(limiter.flushDueIn(), undefined, "nothing held back now");
  assert.deepEqual(limiter.admit({ kind: "connected" }), [{
    kind: "connected",
  }]);

  // A summary due goes out with the next event, before it.
  for (let i = 0; i < 5; i++) limiter.admit({ kind: "refused" });
  now = 2500;
  assert.deepEqual(limiter.admit({ kind: "connected" }), [
    { kind: "suppressed", counts: { refused: 3 } },
    { kind: "connected" },
  ]);

  // Going away: what is held back goes out at once.
  for (let i = 0; i < 5; i++) limiter.admit({ kind: "dropped" });
  assert.equal(limiter.flush(), undefined);
  assert.deepEqual(limiter.flush(true), {
    kind: "suppressed",
    counts: { dropped: 3 },
  });
});
