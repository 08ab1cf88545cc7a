import assert from "node:assert/strict";
import { join } from "node:path";
import { readProxyLog, serveProxy } from "./standalone_proxy.ts";
import { exchange, H, text } from "./_test_proxy.ts";

/** A temporary folder with `files` written in it, removed on dispose. */
async function folder(files: Record<string, string>) {
  const path = await Deno.makeTempDir({ prefix: "qubesify-egress-serve-" });
  for (const [name, content] of Object.entries(files)) {
    await Deno.writeTextFile(join(path, name), content);
  }
  return {
    path,
    paths: { config: join(path, "config"), data: path, runtime: path },
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  };
}

Deno.test("serveProxy serves until aborted, logging to the default log", async () => {
  await using dir = await folder({ "policy.yaml": "allow: []\n" });
  const socket = join(dir.path, "egress.sock");
  const stop = new AbortController();
  let listening!: (value: { addr: Deno.Addr; log: string }) => void;
  const started = new Promise<{ addr: Deno.Addr; log: string }>((resolve) =>
    listening = resolve
  );
  const serving = serveProxy({
    listen: { path: socket },
    policyFile: join(dir.path, "policy.yaml"),
    paths: dir.paths,
    vm: "standalone",
    signal: stop.signal,
    onListening: listening,
  });
  const { addr, log } = await started;
  assert.equal((addr as Deno.UnixAddr).path, socket);
  assert.equal(log, join(dir.path, "egress", "requests.jsonl"));
  const answer = await exchange(socket, text(`CONNECT example.com:443 ${H}`));
  assert.match(answer, /^HTTP\/1\.1 403 /);
  stop.abort();
  await serving;
  await assert.rejects(() => Deno.stat(socket), Deno.errors.NotFound);
  const records = await Array.fromAsync(
    readProxyLog({ paths: dir.paths, vm: "standalone" }),
  );
  assert.deepEqual(records.map((record) => record.host), ["example.com"]);
});

Deno.test("serveProxy says which file or address it cannot use", async () => {
  await using dir = await folder({
    "good.yaml": "allow: []\n",
    "bad.yaml": "allow:\n  - host: example.org\n    port: 443\n",
    "hosts": "nonsense line\n",
  });
  const serve = (policy: string, more: { hostsFile?: string } = {}) =>
    serveProxy({
      listen: { path: join(dir.path, "never", "egress.sock") },
      policyFile: join(dir.path, policy),
      paths: dir.paths,
      signal: new AbortController().signal,
      ...more,
    });
  await assert.rejects(
    () => serve("bad.yaml"),
    /^ProxySetupError: invalid policy:\n.*bad\.yaml:3:5 allow\[0\]\.port: unknown key/,
  );
  await assert.rejects(() => serve("missing.yaml"), /missing\.yaml: /);
  await assert.rejects(
    () => serve("good.yaml", { hostsFile: join(dir.path, "hosts") }),
    /--hosts .*hosts:1: "nonsense" is not an IP address/,
  );
  await assert.rejects(
    () => serve("good.yaml"),
    /cannot listen on .*never\/egress\.sock: /,
  );
});

Deno.test("readProxyLog reads the log a policy names, and says when there is none", async () => {
  await using dir = await folder({
    "policy.yaml": "log: requests.jsonl\n",
    "requests.jsonl": JSON.stringify({
      time: "2026-01-01T00:00:00.000Z",
      vm: null,
      method: "CONNECT",
      host: "example.org",
      port: 443,
      address: null,
      decision: "deny",
      rule: "no allow rule matches",
      status: 403,
      error: null,
      bytes_up: 0,
      bytes_down: 0,
      duration_ms: 1,
    }) + "\n",
  });
  const records = await Array.fromAsync(readProxyLog({
    policyFile: join(dir.path, "policy.yaml"),
    paths: dir.paths,
  }));
  assert.deepEqual(records.map((record) => record.host), ["example.org"]);
  await assert.rejects(
    () => Array.fromAsync(readProxyLog({ paths: dir.paths })),
    /no request log at .*egress\/requests\.jsonl yet/,
  );
});
