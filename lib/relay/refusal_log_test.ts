import assert from "node:assert/strict";
import type { RelayDecision } from "./decision.ts";
import { RefusalLog } from "./refusal_log.ts";
import { waitFor } from "./_test_sockets.ts";

function refusal(
  connection: number,
  cid: number,
  reason = "no",
): RelayDecision {
  return {
    time: new Date().toISOString(),
    connection,
    relay: "dispatcher",
    via: "direct",
    listener: "unix:/in",
    peer: "unix:",
    cid,
    port: 7000,
    decision: "deny",
    reason,
  };
}

Deno.test("refusal log: repeats within the window come as one summary after it", async () => {
  const reported: RelayDecision[] = [];
  const log = new RefusalLog({
    report: (decision) => reported.push(decision),
    windowMs: 100,
  });
  try {
    assert.equal(log.refuse(refusal(1, 5)), true);
    for (let id = 2; id <= 500; id++) {
      assert.equal(log.refuse(refusal(id, 5)), false);
    }
    assert.equal(
      log.refuse(refusal(501, 6)),
      true,
      "another CID is its own kind",
    );
    assert.equal(log.refuse(refusal(502, 5, "other")), true, "so is a reason");
    assert.deepEqual(reported.map((d) => d.connection), [1, 501, 502]);
    await waitFor(() => reported.length === 4, "the summary", 2_000);
    assert.equal(reported[3].connection, 500);
    assert.equal(reported[3].repeated, 499);
    assert.equal(reported[3].cid, 5);
    // The window is over: the next refusal is reported in full again.
    assert.equal(log.refuse(refusal(503, 5)), true);
    assert.equal(reported[4].repeated, undefined);
  } finally {
    log.close();
  }
});

Deno.test("refusal log: close reports what is folded, then reports everything", () => {
  const reported: RelayDecision[] = [];
  const log = new RefusalLog({ report: (decision) => reported.push(decision) });
  log.refuse(refusal(1, 5));
  log.refuse(refusal(2, 5));
  log.refuse(refusal(3, 5));
  log.close();
  assert.deepEqual(
    reported.map((d) => [d.connection, d.repeated]),
    [[1, undefined], [3, 2]],
  );
  assert.equal(log.refuse(refusal(4, 5)), true);
  assert.equal(reported.length, 3);
});
