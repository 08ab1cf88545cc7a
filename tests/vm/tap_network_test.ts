/**
 * VM tier: `network: tap` for real, inside network namespaces this test
 * creates. One namespace plays the host (`net setup --apply` runs there),
 * another an internet server on a documentation address (RFC 5737). A VM
 * must reach the internet server, and must not reach the host.
 */
import assert from "node:assert/strict";
import { runQubesify } from "../cli.ts";
import { ip } from "../egress/netns.ts";
import { KERNEL_SOURCE, testDataDir } from "./test_data_dir.ts";
import { toolsOrSkip } from "../require_tools.ts";

const INTERNET_SERVER = "198.51.100.7";

const PROBE = `kind: app
template: smoke
network: tap
display: none
memory: 256M
command:
  - sh
  - -c
  - |
    echo "internet: $(socat -T5 - TCP:${INTERNET_SERVER}:8080,connect-timeout=5 </dev/null)"
    if socat -T3 - TCP:10.233.0.1:8081,connect-timeout=3 </dev/null >/dev/null 2>&1; then
      echo "host: reachable"
    else
      echo "host: blocked"
    fi
`;

Deno.test({
  name: "network: tap reaches the internet, not the host",
  ignore: await toolsOrSkip(
    ["qemu-system-x86_64", "mmdebstrap", "ip", "nft", "socat"],
    { root: true, files: [KERNEL_SOURCE] },
  ),
}, async () => {
  const suffix = crypto.randomUUID().slice(0, 8);
  const host = `qs-host-${suffix}`;
  const internet = `qs-inet-${suffix}`;
  const config = await Deno.makeTempDir({ prefix: "qubesify-tap-test-" });
  const servers: Deno.ChildProcess[] = [];
  try {
    await Deno.mkdir(`${config}/recipes`);
    await Deno.writeTextFile(`${config}/recipes/probe.yaml`, PROBE);
    // The "internet": a namespace behind a veth, routed from the host.
    await ip(["netns", "add", host]);
    await ip(["netns", "add", internet]);
    await ip([
      "link",
      "add",
      "qs-up",
      "netns",
      host,
      "type",
      "veth",
      "peer",
      "qs-down",
      "netns",
      internet,
    ]);
    await ip(["-n", host, "address", "add", "192.0.2.1/24", "dev", "qs-up"]);
    await ip(["-n", host, "link", "set", "qs-up", "up"]);
    await ip(["-n", host, "link", "set", "lo", "up"]);
    await ip(["-n", host, "route", "add", "default", "via", "192.0.2.10"]);
    await ip([
      "-n",
      internet,
      "address",
      "add",
      "192.0.2.10/24",
      "dev",
      "qs-down",
    ]);
    await ip([
      "-n",
      internet,
      "address",
      "add",
      `${INTERNET_SERVER}/32`,
      "dev",
      "qs-down",
    ]);
    await ip(["-n", internet, "link", "set", "qs-down", "up"]);
    await ip(["-n", internet, "link", "set", "lo", "up"]);
    const serve = (namespace: string, port: number, reply: string) => {
      servers.push(
        new Deno.Command("ip", {
          args: [
            "netns",
            "exec",
            namespace,
            "socat",
            `TCP-LISTEN:${port},fork,reuseaddr`,
            `SYSTEM:echo ${reply}`,
          ],
          stdin: "null",
          stdout: "null",
          stderr: "null",
        }).spawn(),
      );
    };
    serve(internet, 8080, "hello-from-the-internet");
    serve(host, 8081, "hello-from-the-host");

    // In the host namespace unless told otherwise; builds need the mirror,
    // which only the real network reaches.
    const qubesify = (args: string[], inHost = true) =>
      runQubesify(args, {
        namespace: inHost ? host : undefined,
        env: { QUBESIFY_DATA_DIR: testDataDir(), QUBESIFY_CONFIG_DIR: config },
      });
    const setup = await qubesify([
      "net",
      "setup",
      "--apply",
      "--devices",
      "2",
      "--user",
      "root",
    ]);
    assert.equal(setup.code, 0, setup.stderr);
    const built = await qubesify(["build", "probe"], false);
    assert.equal(built.code, 0, built.stderr);

    const run = await qubesify(["run", "--no-build", "probe"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stdout,
      "internet: hello-from-the-internet\nhost: blocked\n",
    );
  } finally {
    for (const server of servers) {
      server.kill();
      await server.status;
    }
    await ip(["netns", "del", host]).catch(() => {});
    await ip(["netns", "del", internet]).catch(() => {});
    await Deno.remove(config, { recursive: true });
  }
});
