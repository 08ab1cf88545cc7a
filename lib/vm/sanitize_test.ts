import assert from "node:assert/strict";
import { createSanitizer } from "./sanitize.ts";

Deno.test("escape sequences and C1 controls become replacement characters", () => {
  const clean = createSanitizer();
  const bytes = new TextEncoder().encode(
    "ok\t\x1b]0;pwned\x07 \x1b[2J\r\n\u009b31m é\n",
  );
  assert.equal(
    clean(bytes),
    "ok\t\ufffd]0;pwned\ufffd \ufffd[2J\r\n\ufffd31m é\n",
  );
});

Deno.test("UTF-8 split across chunks survives", () => {
  const clean = createSanitizer();
  const bytes = new TextEncoder().encode("é");
  assert.equal(clean(bytes.subarray(0, 1)) + clean(bytes.subarray(1)), "é");
});
