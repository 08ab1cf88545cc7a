import assert from "node:assert/strict";
import {
  MissingTestToolError,
  missingTools,
  toolsOrSkip,
} from "./require_tools.ts";

/** Runs `body` with CI set to `ci` (unset when undefined), then restores it. */
async function withCi(
  ci: string | undefined,
  body: () => Promise<void>,
): Promise<void> {
  const before = Deno.env.get("CI");
  const warn = console.warn;
  console.warn = () => {};
  try {
    if (ci === undefined) Deno.env.delete("CI");
    else Deno.env.set("CI", ci);
    await body();
  } finally {
    console.warn = warn;
    if (before === undefined) Deno.env.delete("CI");
    else Deno.env.set("CI", before);
  }
}

Deno.test("missing tools are named with what to install", async () => {
  assert.equal(await missingTools(["sh"]), undefined);
  assert.equal(
    await missingTools(["sh", "qubesify-no-such-tool", "qubesify-nor-this"], {
      files: ["/qubesify-no-such-file"],
      packages: { "qubesify-no-such-tool": "some-package" },
    }),
    "qubesify-no-such-tool, qubesify-nor-this not on PATH " +
      "(apt install some-package qubesify-nor-this); " +
      "/qubesify-no-such-file missing",
  );
  const root = await missingTools([], { root: true });
  assert.equal(root, Deno.uid() === 0 ? undefined : "not root (run as root)");
});

Deno.test("a missing tool skips the test, except under CI=true", async () => {
  await withCi(undefined, async () => {
    assert.equal(await toolsOrSkip(["qubesify-no-such-tool"]), true);
    assert.equal(await toolsOrSkip(["sh"]), false);
  });
  await withCi("false", async () => {
    assert.equal(await toolsOrSkip(["qubesify-no-such-tool"]), true);
  });
  await withCi("true", async () => {
    await assert.rejects(
      toolsOrSkip(["qubesify-no-such-tool"]),
      (error) =>
        error instanceof MissingTestToolError &&
        error.message ===
          "CI=true, so this test may not skip: qubesify-no-such-tool not on " +
            "PATH (apt install qubesify-no-such-tool); add what it needs to " +
            ".ci/install",
    );
    assert.equal(await toolsOrSkip(["sh"]), false);
  });
});
