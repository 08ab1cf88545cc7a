import assert from "node:assert/strict";
import { parseInvocation } from "./invocation.ts";

Deno.test("invocation: the command, its options and operands, nothing run", async () => {
  assert.deepEqual(
    await parseInvocation(["run", "--no-build", "smoke", "--", "3", "--x"]),
    {
      command: "run",
      options: { build: false, vsock: "auto" },
      operands: ["smoke", "3", "--x"],
    },
  );
  assert.deepEqual(
    await parseInvocation(["relay", "local", "--log", "relay.jsonl"]),
    { command: "relay local", options: { log: "relay.jsonl" }, operands: [] },
  );
});

Deno.test("invocation: proxy and proxy log are told apart", async () => {
  const proxy = await parseInvocation(["proxy", "--policy", "p.yaml"]);
  assert.equal(proxy.command, "proxy");
  assert.equal(proxy.options.policy, "p.yaml");
  const log = await parseInvocation(["proxy", "log", "--log", "l.jsonl"]);
  assert.equal(log.command, "proxy log");
  assert.equal(log.options.log, "l.jsonl");
});

Deno.test("invocation: help, version and usage errors run no command", async () => {
  for (
    const args of [
      [],
      ["--help"],
      ["--version"],
      ["run", "--help"],
      ["nonsense"],
      ["run"],
      ["image", "gc", "--keep", "-1"],
    ]
  ) {
    assert.equal((await parseInvocation(args)).command, "", args.join(" "));
  }
});
