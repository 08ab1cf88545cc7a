import assert from "node:assert/strict";
import { parsePasswdLine } from "./test_user.ts";

Deno.test("test user: a passwd line gives the name and ids", () => {
  assert.deepEqual(
    parsePasswdLine(
      "qubesify-test:x:999:995::/home/qubesify-test:/usr/sbin/nologin",
    ),
    { name: "qubesify-test", uid: 999, gid: 995 },
  );
});

Deno.test("test user: a malformed passwd line gives nothing", () => {
  assert.equal(parsePasswdLine(""), undefined);
  assert.equal(parsePasswdLine("qubesify-test:x:abc:995::"), undefined);
  assert.equal(parsePasswdLine("qubesify-test:x:999"), undefined);
});
