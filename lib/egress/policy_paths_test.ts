import assert from "node:assert/strict";
import { join } from "node:path";
import { confinePolicyPath, PolicyPathError } from "./policy_paths.ts";
import { recipeEgressLog } from "./default_log.ts";

Deno.test("policy paths resolve inside their roots and nowhere else", async () => {
  const root = await Deno.realPath(
    await Deno.makeTempDir({ prefix: "qubesify-policy-paths-" }),
  );
  try {
    const config = join(root, "config");
    const data = join(root, "data");
    await Deno.mkdir(join(config, "lists"), { recursive: true });
    const place = { base: config, roots: [config] };
    assert.equal(
      confinePolicyPath("blocklists", "lists/ads.txt", place),
      join(config, "lists/ads.txt"),
    );
    assert.equal(
      confinePolicyPath("hosts", join(config, "hosts"), place),
      join(config, "hosts"),
    );
    const refused: [string, RegExp][] = [
      ["../outside", /may not contain \.\. segments/],
      ["lists/../../outside", /may not contain \.\. segments/],
      ["/etc/passwd", /is outside/],
      [join(root, "config-other", "x"), /is outside/],
      [data, /is outside/],
    ];
    for (const [path, why] of refused) {
      assert.throws(
        () => confinePolicyPath("blocklists", path, place),
        (error) => error instanceof PolicyPathError && why.test(error.message),
        path,
      );
    }
    // Links: out of the roots, or to nothing (a file would be created there).
    await Deno.symlink("/etc", join(config, "etc"));
    await Deno.symlink(join(root, "gone"), join(config, "dangling"));
    await Deno.symlink(join(config, "lists"), join(config, "also-lists"));
    assert.throws(
      () => confinePolicyPath("hosts", "etc/hosts", place),
      /leads to \/etc\/hosts through a symbolic link/,
    );
    assert.throws(
      () => confinePolicyPath("log", "dangling", place),
      /symbolic link to nothing/,
    );
    assert.equal(
      confinePolicyPath("log", "also-lists/new/log.jsonl", place),
      join(config, "also-lists/new/log.jsonl"),
    );
    // A recipe's log: relative to config, absolute inside config or data.
    const paths = { config, data, runtime: join(root, "run") };
    assert.equal(
      recipeEgressLog(undefined, paths),
      join(data, "egress", "requests.jsonl"),
    );
    assert.equal(
      recipeEgressLog("firefox.jsonl", paths),
      join(config, "firefox.jsonl"),
    );
    assert.equal(
      recipeEgressLog(join(data, "egress", "firefox.jsonl"), paths),
      join(data, "egress", "firefox.jsonl"),
    );
    assert.throws(
      () => recipeEgressLog(join(root, ".bashrc"), paths),
      PolicyPathError,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
