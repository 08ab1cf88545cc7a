/**
 * VM tier, `network: proxy` for real: `qubesify run` (under the
 * orchestrator's permission set, inside a network namespace playing the
 * host) boots a VM without a NIC; curl in the guest reaches a web server
 * in a second namespace only through the guest's forwarder → vsock → the
 * VM's egress proxy, which allows web.test and refuses the rest; git and
 * apt find the proxy in the files the launch spec wrote. Servers live on
 * RFC 5737 addresses; nothing leaves the namespaces.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { EgressRecord } from "../../lib/egress/mod.ts";
import { createEgressNetwork, WEB_ADDRESS } from "../egress/netns.ts";
import { makeCertificate } from "../egress/certificate.ts";
import { startWebServer } from "../egress/web_server.ts";
import { KERNEL_SOURCE, testDataDir } from "./test_data_dir.ts";
import { finish } from "../cli.ts";
import { sandbox } from "./cli_harness.ts";
import { toolsOrSkip } from "../require_tools.ts";

Deno.test({
  name:
    "run with network: proxy: the guest reaches allowed names through its proxy only",
  ignore: await toolsOrSkip(
    ["ip", "openssl", "git", "qemu-system-x86_64", "mmdebstrap"],
    { root: true, files: [KERNEL_SOURCE] },
  ),
}, async () => {
  await using box = await sandbox(testDataDir());
  await Deno.writeTextFile(
    join(box.config, "egress-hosts"),
    `${WEB_ADDRESS} web.test denied.test\n`,
  );
  const built = await finish(box.spawn(["build", "probe"]));
  assert.equal(built.code, 0, built.stderr);

  await using network = await createEgressNetwork();
  const { cert, key } = await makeCertificate(box.config, ["DNS:web.test"]);
  await using _web = await startWebServer({
    namespace: network.internet,
    cert,
    key,
    gitRoot: join(box.config, "no-git"),
    readyFile: join(box.config, "web.ready"),
  });

  const run = await finish(
    box.spawn(["run", "--no-build", "--vsock", "user", "fetch"], {
      namespace: network.proxy,
    }),
  );
  assert.equal(run.code, 0, run.stderr);
  assert.equal(
    run.stdout,
    [
      "hello from web.test",
      "hello from web.test",
      "denied.test 403",
      "web.test:8443 403",
      "10.0.0.1 403",
      "git proxy: http://127.0.0.1:3128",
      "2",
      "",
    ].join("\n"),
  );

  const log = await finish(
    box.spawn([
      "proxy",
      "log",
      "--json",
      "--log",
      join(box.config, "egress.jsonl"),
    ]),
  );
  assert.equal(log.code, 0, log.stderr);
  const records = log.stdout.trim().split("\n").map((line) =>
    JSON.parse(line) as EgressRecord
  );
  assert.deepEqual(
    records.map((r) => [r.vm, r.method, r.host, r.port, r.decision]),
    [
      ["fetch-1", "GET", "web.test", 80, "allow"],
      ["fetch-1", "CONNECT", "web.test", 443, "allow"],
      ["fetch-1", "GET", "denied.test", 80, "deny"],
      ["fetch-1", "CONNECT", "web.test", 8443, "deny"],
      ["fetch-1", "GET", "10.0.0.1", 80, "deny"],
    ],
  );
  assert.equal(records[0].address, WEB_ADDRESS);
  assert.deepEqual(await box.vms(), []);
});
