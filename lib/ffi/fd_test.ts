import assert from "node:assert/strict";
import { openFdApi } from "./fd.ts";
import { LibcError } from "./library.ts";

Deno.test("closeQuietly ignores the failure close reports", () => {
  using fds = openFdApi();
  assert.throws(() => fds.close(-1), LibcError);
  fds.closeQuietly(-1);
});
