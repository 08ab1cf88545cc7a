/**
 * `qubesify proxy` and `qubesify proxy log` through the CLI entry, in
 * process: argument and policy errors, and printing the request log.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cli as runInProcess } from "../../lib/cli/_test_cli.ts";

/** `qubesify <args>` in this process, with its data folder at `data`. */
function cli(args: string[], data?: string) {
  return runInProcess(args, { paths: data ? { data } : {} });
}

Deno.test("qubesify proxy: usage and policy errors say what to fix", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-egress-cli-" });
  try {
    const missing = await cli(["proxy"]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /pass --policy FILE/);
    const policy = join(dir, "policy.yaml");
    await Deno.writeTextFile(policy, "allow:\n  - host: example.org\n");
    const listen = await cli([
      "proxy",
      "--listen",
      "localhost:3128",
      "--policy",
      policy,
    ]);
    assert.equal(listen.code, 2);
    assert.match(
      listen.err,
      /--listen "localhost:3128": "localhost" is not an IP address/,
    );
    await Deno.writeTextFile(
      policy,
      "allow:\n  - host: example.org\n    port: 443\n",
    );
    const invalid = await cli(["proxy", "--policy", policy]);
    assert.equal(invalid.code, 1);
    assert.match(
      invalid.err,
      /invalid policy:\n.*policy\.yaml:3:5 allow\[0\]\.port: unknown key; expected one of: host, ports/,
    );
    await Deno.writeTextFile(policy, "allow: []\n");
    await Deno.writeTextFile(join(dir, "hosts"), "nonsense line\n");
    const hosts = await cli([
      "proxy",
      "--policy",
      policy,
      "--hosts",
      join(dir, "hosts"),
    ]);
    assert.equal(hosts.code, 1);
    assert.match(
      hosts.err,
      /--hosts .*hosts:1: "nonsense" is not an IP address/,
    );
    const noLog = await cli(["proxy", "log"], dir);
    assert.equal(noLog.code, 1);
    assert.match(noLog.err, /no request log at .*egress\/requests\.jsonl yet/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("qubesify proxy log: people's lines, JSON lines, one VM", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-egress-cli-" });
  try {
    const log = join(dir, "egress", "requests.jsonl");
    await Deno.mkdir(join(dir, "egress"));
    const record = {
      time: "2026-01-01T00:00:00.000Z",
      vm: "dev",
      method: "CONNECT",
      host: "github.com",
      port: 443,
      address: "203.0.113.10",
      decision: "allow",
      rule: "allow github.com ports 443",
      status: 200,
      error: null,
      bytes_up: 517,
      bytes_down: 4096,
      duration_ms: 120,
    };
    await Deno.writeTextFile(
      log,
      JSON.stringify(record) + "\n" +
        JSON.stringify({
          ...record,
          vm: "web",
          decision: "deny",
          rule: "no allow rule matches",
        }) +
        "\n",
    );
    const all = await cli(["proxy", "log"], dir);
    assert.equal(all.code, 0, all.err);
    assert.equal(
      all.out,
      "2026-01-01T00:00:00.000Z dev allow CONNECT github.com:443 203.0.113.10 200 up=517 down=4096 120ms allow github.com ports 443\n" +
        "2026-01-01T00:00:00.000Z web deny CONNECT github.com:443 203.0.113.10 200 up=517 down=4096 120ms no allow rule matches\n",
    );
    const web = await cli([
      "proxy",
      "log",
      "--vm",
      "web",
      "--json",
      "--log",
      log,
    ]);
    assert.equal(web.code, 0, web.err);
    assert.deepEqual(
      web.out.trim().split("\n").map((line) => JSON.parse(line).vm),
      ["web"],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
