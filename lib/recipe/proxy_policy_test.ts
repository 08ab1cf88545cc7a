import assert from "node:assert/strict";
import { parseRecipes } from "./parse.ts";
import { formatProblem } from "./problem.ts";
import { proxyPolicySchema } from "./proxy_policy.ts";

const APP = "kind: app\ntemplate: smoke\ncommand: [foot]\n" +
  "network:\n  mode: proxy\n  proxy:\n    allow: [{host: github.com}]\n";

function problemsOf(text: string): string[] {
  return parseRecipes({ text, file: "bad.yaml", defaultName: "bad" })
    .problems.map(formatProblem);
}

Deno.test("policy paths that climb out are refused where the recipe is read", () => {
  const dots =
    "expected a path without .. segments, like blocklists/ads.txt (relative paths are inside the config folder)";
  assert.deepEqual(problemsOf(APP + "    log: ../../.bashrc\n"), [
    `bad.yaml:8:10 network.proxy.log: ${dots}`,
  ]);
  assert.deepEqual(
    problemsOf(APP + "    blocklists: [ok.txt, lists/../../../etc/x]\n"),
    [`bad.yaml:8:26 network.proxy.blocklists[1]: ${dots}`],
  );
  assert.deepEqual(problemsOf(APP + "    hosts: /etc/../root/x\n"), [
    `bad.yaml:8:12 network.proxy.hosts: ${dots}`,
  ]);
  assert.deepEqual(problemsOf(APP + '    log: "a\\nb"\n'), [
    "bad.yaml:8:10 network.proxy.log: expected a file path without control characters",
  ]);
});

Deno.test("policy paths inside the folders are accepted as written", () => {
  const parsed = proxyPolicySchema.parse({
    blocklists: ["lists/ads.txt", "./x..y", "/abs/inside/checked/at/use"],
    log: "egress/firefox.jsonl",
    hosts: "hosts",
  });
  assert.deepEqual(parsed.blocklists, [
    "lists/ads.txt",
    "./x..y",
    "/abs/inside/checked/at/use",
  ]);
  assert.equal(parsed.log, "egress/firefox.jsonl");
});
