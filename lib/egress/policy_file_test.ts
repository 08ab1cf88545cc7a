import assert from "node:assert/strict";
import { join } from "node:path";
import { blockedBy } from "./blocklist.ts";
import { loadPolicyFile, parsePolicyText } from "./policy_file.ts";

Deno.test("policy files: relative block lists and log beside the file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-egress-policy-" });
  try {
    await Deno.writeTextFile(join(dir, "ads.txt"), "||ads.example^\n");
    await Deno.writeTextFile(
      join(dir, "policy.yaml"),
      "allow:\n  - host: github.com\n    ports: [443, 22]\nblocklists: [ads.txt]\nlog: logs/egress.jsonl\nlimits:\n  connections: 8\n  idle_timeout: 30\n",
    );
    const loaded = await loadPolicyFile(join(dir, "policy.yaml"));
    assert.deepEqual(loaded.policy.allow, [{
      host: "github.com",
      ports: [443, 22],
    }]);
    assert.deepEqual(loaded.policy.deny, []);
    assert.equal(loaded.policy.log, join(dir, "logs/egress.jsonl"));
    assert.deepEqual(loaded.policy.limits, {
      connections: 8,
      idle_timeout: 30,
    });
    assert.equal(
      blockedBy(loaded.blocklist, "x.ads.example")?.file,
      join(dir, "ads.txt"),
    );
    await Deno.writeTextFile(
      join(dir, "missing.yaml"),
      "blocklists: [nope.txt]\n",
    );
    await assert.rejects(
      () => loadPolicyFile(join(dir, "missing.yaml")),
      /cannot read block list .*nope\.txt/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("policy files: a hosts file beside the policy pins names", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-egress-policy-" });
  try {
    await Deno.writeTextFile(join(dir, "pinned"), "203.0.113.7 web.test\n");
    await Deno.writeTextFile(
      join(dir, "policy.yaml"),
      "allow:\n  - host: web.test\nhosts: pinned\n",
    );
    const loaded = await loadPolicyFile(join(dir, "policy.yaml"));
    assert.equal(loaded.policy.hosts, join(dir, "pinned"));
    assert.equal(loaded.hosts?.get("web.test")?.length, 1);
    await Deno.writeTextFile(join(dir, "bad.yaml"), "hosts: nope\n");
    await assert.rejects(
      () => loadPolicyFile(join(dir, "bad.yaml")),
      /cannot read hosts file .*nope/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("policy problems are located by line and column", () => {
  assert.throws(
    () =>
      parsePolicyText(
        "allow:\n  - host: github.com\n    prots: [22]\n",
        "p.yaml",
      ),
    /^RecipeError: p\.yaml:3:5 allow\[0\]\.prots: unknown key; expected one of: host, ports$/,
  );
  assert.throws(
    () => parsePolicyText("allow:\n  - host: GitHub.com\n", "p.yaml"),
    /p\.yaml:2:11 allow\[0\]\.host: expected a lowercase host name/,
  );
  assert.throws(
    () => parsePolicyText("limits:\n  connections: 0\n", "p.yaml"),
    /p\.yaml:2:16 limits\.connections: expected at least 1 connection/,
  );
  assert.throws(
    () => parsePolicyText("allow: [\n", "p.yaml"),
    /YAML syntax error/,
  );
});

Deno.test("policy files: named files stay inside the policy's folder or qubesify's", async () => {
  const root = await Deno.makeTempDir({ prefix: "qubesify-egress-policy-" });
  try {
    const dir = join(root, "policies");
    const paths = {
      config: join(root, "config"),
      data: join(root, "data"),
      runtime: join(root, "run"),
    };
    await Deno.mkdir(dir);
    await Deno.mkdir(paths.config);
    await Deno.writeTextFile(join(root, "secret"), "||x.example^\n");
    await Deno.writeTextFile(join(paths.config, "ads.txt"), "||ads.test^\n");
    const load = async (name: string, text: string) => {
      await Deno.writeTextFile(join(dir, name), text);
      return loadPolicyFile(join(dir, name), { paths });
    };
    await assert.rejects(
      () => load("up.yaml", "log: ../.bashrc\n"),
      /up\.yaml:1:6 log: expected a path without \.\. segments/,
    );
    await assert.rejects(
      () => load("abs.yaml", `blocklists: [${join(root, "secret")}]\n`),
      /blocklists: .*secret is outside/,
    );
    await assert.rejects(
      () => load("abslog.yaml", `log: ${join(root, "profile")}\n`),
      /log: .*profile is outside/,
    );
    // Absolute paths inside the qubesify folders are fine.
    const inside = await load(
      "inside.yaml",
      `blocklists: [${join(paths.config, "ads.txt")}]\nlog: ${
        join(paths.data, "egress", "mine.jsonl")
      }\n`,
    );
    assert.equal(inside.policy.log, join(paths.data, "egress", "mine.jsonl"));
    assert.ok(blockedBy(inside.blocklist, "ads.test"));
    // A link beside the policy that leads out is caught where it is used.
    await Deno.symlink(join(root, "secret"), join(dir, "link.txt"));
    await assert.rejects(
      () => load("link.yaml", "blocklists: [link.txt]\n"),
      /link\.txt leads to .*secret through a symbolic link/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
