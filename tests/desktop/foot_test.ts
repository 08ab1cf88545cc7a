import assert from "node:assert/strict";
import { footArgs } from "./foot.ts";

Deno.test("foot: by default it runs cat in a plain window", () => {
  assert.deepEqual(footArgs({}), ["--log-level=warning", "--", "cat"]);
});

Deno.test("foot: app id, colour and command are passed as arguments", () => {
  assert.deepEqual(
    footArgs({
      appId: "victim",
      background: "ff0000",
      command: ["sh", "-c", "read -r line", "sh"],
    }),
    [
      "--log-level=warning",
      "--app-id=victim",
      "--override",
      "colors.background=ff0000",
      "--",
      "sh",
      "-c",
      "read -r line",
      "sh",
    ],
  );
});
