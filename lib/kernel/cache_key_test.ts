import assert from "node:assert/strict";
import { cacheKey } from "./cache_key.ts";

const INPUTS = {
  version: "6.1.192",
  sourceSha256: "a".repeat(64),
  fragmentSha256: "b".repeat(64),
};

Deno.test("cacheKey is stable and starts with the version", () => {
  const key = cacheKey(INPUTS);
  assert.match(key, /^6\.1\.192-[0-9a-f]{16}$/);
  assert.equal(cacheKey({ ...INPUTS }), key);
});

Deno.test("cacheKey changes with every input", () => {
  const key = cacheKey(INPUTS);
  assert.notEqual(cacheKey({ ...INPUTS, version: "6.1.193" }), key);
  assert.notEqual(cacheKey({ ...INPUTS, sourceSha256: "c".repeat(64) }), key);
  assert.notEqual(cacheKey({ ...INPUTS, fragmentSha256: "c".repeat(64) }), key);
});
