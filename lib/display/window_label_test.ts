import assert from "node:assert/strict";
import {
  labelledTitle,
  MAX_TITLE_LENGTH,
  qubesifyAppId,
} from "./window_label.ts";

Deno.test("labelledTitle puts the label first, whatever the guest's title", () => {
  assert.equal(labelledTitle("work", "Inbox"), "[work] Inbox");
  assert.equal(labelledTitle("work", ""), "[work] ");
  assert.equal(labelledTitle("work", "[home] Bank"), "[work] [home] Bank");
});

Deno.test("labelledTitle defuses line breaks and bidi overrides, and bounds the length", () => {
  assert.equal(labelledTitle("w", "a\nb\u202ec"), "[w] a b c");
  assert.equal(
    labelledTitle("w", "x".repeat(MAX_TITLE_LENGTH * 2)).length,
    "[w] ".length + MAX_TITLE_LENGTH,
  );
});

Deno.test("qubesifyAppId names the app's desktop entry", () => {
  assert.equal(qubesifyAppId("firefox"), "qubesify-firefox");
});
