import assert from "node:assert/strict";
import {
  ConnectionCaps,
  DEFAULT_CONNECTIONS_PER_CID,
  DEFAULT_CONNECTIONS_TOTAL,
} from "./connection_caps.ts";

Deno.test("caps: a CID gets its cap, then refusals until one of its connections ends", () => {
  const caps = new ConnectionCaps({ perCid: 3, total: 10 });
  for (const id of [1, 2, 3]) assert.equal(caps.admit(id, 5), undefined);
  assert.equal(
    caps.admit(4, 5),
    "CID 5 has 3 connections open or pending, the most one VM may have",
  );
  assert.equal(caps.admit(5, 6), undefined, "another CID is not held back");
  caps.release(2);
  caps.release(4); // Refused, never counted: nothing to release.
  caps.release(99);
  assert.equal(caps.admit(6, 5), undefined);
  assert.equal(caps.count, 4);
});

Deno.test("caps: the total holds across CIDs", () => {
  const caps = new ConnectionCaps({ perCid: 2, total: 3 });
  assert.equal(caps.admit(1, 5), undefined);
  assert.equal(caps.admit(2, 6), undefined);
  assert.equal(caps.admit(3, 7), undefined);
  assert.equal(
    caps.admit(4, 8),
    "3 connections open or pending, the most this relay takes",
  );
  caps.release(1);
  assert.equal(caps.admit(5, 8), undefined);
});

Deno.test("caps: defaults, and caps below 1 are refused", () => {
  const caps = new ConnectionCaps();
  for (let id = 0; id < DEFAULT_CONNECTIONS_PER_CID; id++) {
    assert.equal(caps.admit(id, 5), undefined);
  }
  assert.match(caps.admit(-1, 5) ?? "", /CID 5 has 64/);
  assert.equal(DEFAULT_CONNECTIONS_TOTAL, 1024);
  for (const limits of [{ perCid: 0 }, { total: -1 }, { perCid: 1.5 }]) {
    assert.throws(() => new ConnectionCaps(limits), RangeError);
  }
});
