import assert from "node:assert/strict";
import { withTimeout } from "./with_timeout.ts";

Deno.test("withTimeout: the value in time, else timeout", async () => {
  assert.equal(await withTimeout(Promise.resolve(7), 1000), 7);
  assert.equal(await withTimeout(new Promise(() => {}), 10), "timeout");
  await assert.rejects(
    () => withTimeout(Promise.reject(new Error("refused")), 1000),
    /refused/,
  );
});

Deno.test("withTimeout: no time left is a timeout at once, and a late failure is ignored", async () => {
  const late = new Promise((_, reject) =>
    setTimeout(() => reject(new Error("late")), 10)
  );
  assert.equal(await withTimeout(late, 0), "timeout");
  await new Promise((resolve) => setTimeout(resolve, 20));
});
