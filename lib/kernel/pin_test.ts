import assert from "node:assert/strict";
import { DEFAULT_KERNEL_DIR } from "./fragments.ts";
import { parsePin, readPin } from "./pin.ts";

Deno.test("the shipped pin is a kernel.org https URL with a sha256", async () => {
  const pin = await readPin(DEFAULT_KERNEL_DIR);
  assert.match(
    pin.url,
    /^https:\/\/cdn\.kernel\.org\/.*linux-6\.1\.\d+\.tar\.xz$/,
  );
  assert.ok(pin.url.includes(`linux-${pin.version}.tar.xz`));
  assert.match(pin.sha256, /^[0-9a-f]{64}$/);
});

Deno.test("parsePin names the field that is wrong", () => {
  assert.throws(() => parsePin("{", "v.json"), /^Error: v\.json: not JSON/);
  assert.throws(
    () =>
      parsePin(
        JSON.stringify({ version: "6.1.1", url: "https://x/y", sha256: "abc" }),
        "v.json",
      ),
    /v\.json: sha256: /,
  );
  assert.throws(
    () =>
      parsePin(
        JSON.stringify({
          version: "6.1.1",
          url: "http://x/y",
          sha256: "a".repeat(64),
        }),
        "v.json",
      ),
    /v\.json: url: /,
  );
});
