/**
 * `qubesify proxy` for real: the CLI runs in a network namespace playing
 * the host, listening on a UNIX socket; test servers (HTTPS with git smart
 * HTTP, plain HTTP, sshd) run in a second namespace on RFC 5737 addresses
 * and one private address; names are mapped with --hosts. curl, git and
 * ssh (through `nc -X connect`) reach the proxy over a local TCP relay to
 * its socket, as a guest's socat would. Nothing leaves the namespaces.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { capture, startBackground } from "../../lib/exec/mod.ts";
import type { EgressRecord } from "../../lib/egress/mod.ts";
import { qubesifyArgv, runQubesify } from "../cli.ts";
import { mustRun } from "../must_run.ts";
import {
  createEgressNetwork,
  PRIVATE_ADDRESS,
  SSH_ADDRESS,
  WEB_ADDRESS,
  WEB_ADDRESS6,
} from "./netns.ts";
import { startTcpToUnix } from "./tcp_to_unix.ts";
import { makeCertificate } from "./certificate.ts";
import { startWebServer } from "./web_server.ts";
import { SSHD, startSshServer } from "./ssh_server.ts";
import { startRecordingServer } from "./recording_server.ts";
import { pipeliningSteps } from "./pipelining.ts";
import { toolsOrSkip } from "../require_tools.ts";

/**
 * The environment of every program the test runs: no proxy settings of
 * this machine's, and git reads no configuration but the test's.
 */
const CLEAN_ENV = {
  http_proxy: "",
  https_proxy: "",
  HTTP_PROXY: "",
  HTTPS_PROXY: "",
  no_proxy: "",
  NO_PROXY: "",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_TERMINAL_PROMPT: "0",
};

/** Runs a program (argv, no shell) in {@linkcode CLEAN_ENV} plus `env`. */
function run(
  program: string,
  args: string[],
  env: Record<string, string> = {},
) {
  return capture({ program, args, env: { ...CLEAN_ENV, ...env } });
}

/** A set-up step: must succeed. */
function must(program: string, args: string[]): Promise<string> {
  return mustRun(program, args, { env: CLEAN_ENV });
}

/** A bare repository with one commit, under `root`. */
async function makeRepository(root: string, scratch: string): Promise<void> {
  await Deno.mkdir(root, { recursive: true });
  const bare = join(root, "repo.git");
  await must("git", ["init", "-q", "--bare", bare]);
  await must("git", ["init", "-q", scratch]);
  await Deno.writeTextFile(join(scratch, "README"), "through the proxy\n");
  await must("git", ["-C", scratch, "add", "README"]);
  await must("git", [
    "-C",
    scratch,
    "-c",
    "user.name=test",
    "-c",
    "user.email=test@example.org",
    "commit",
    "-q",
    "-m",
    "first",
  ]);
  await must("git", [
    "-C",
    scratch,
    "push",
    "-q",
    bare,
    "HEAD:refs/heads/main",
  ]);
  await must("git", ["-C", bare, "symbolic-ref", "HEAD", "refs/heads/main"]);
}

const POLICY = `allow:
  - host: git.test
  - host: ssh.test
    ports: [22]
  - host: loop.test
  - host: private.test
  - host: ads.test
  - host: v6.test
  - host: ula.test
  - host: record.test
    ports: [8080]
deny: [denied.test]
blocklists: [block.txt]
limits:
  idle_timeout: 2
`;

const HOSTS =
  `${WEB_ADDRESS} git.test other.test denied.test ads.test record.test
${SSH_ADDRESS} ssh.test nossh.test
127.0.0.1 loop.test
${PRIVATE_ADDRESS} private.test
${WEB_ADDRESS6} v6.test
fd00::5 ula.test
`;

Deno.test({
  name: "egress proxy: curl, git over HTTPS and SSH, allowed and refused",
  ignore: await toolsOrSkip(
    ["ip", "curl", "git", "openssl", "ssh", "ssh-keygen", "nc"],
    { root: true, files: [SSHD] },
  ),
}, async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-egress-it-" });
  try {
    await using network = await createEgressNetwork();
    // Certificates, keys, repository, configuration files.
    const { cert, key } = await makeCertificate(dir, [
      "DNS:git.test",
      "DNS:other.test",
      "DNS:denied.test",
      "DNS:ads.test",
      "DNS:loop.test",
      "DNS:private.test",
      "DNS:v6.test",
      "DNS:ula.test",
      "IP:10.99.0.2",
    ]);
    const gitRoot = join(dir, "git");
    await makeRepository(gitRoot, join(dir, "scratch"));
    await Deno.writeTextFile(join(dir, "policy.yaml"), POLICY);
    await Deno.writeTextFile(join(dir, "block.txt"), "||ads.test^\n");
    await Deno.writeTextFile(join(dir, "hosts"), HOSTS);

    await using _web = await startWebServer({
      namespace: network.internet,
      cert,
      key,
      gitRoot,
      readyFile: join(dir, "web.ready"),
    });
    await using ssh = await startSshServer({
      namespace: network.internet,
      address: SSH_ADDRESS,
      names: ["ssh.test", "nossh.test"],
      dir,
    });
    const recordFile = join(dir, "recorded.jsonl");
    await using _recorder = await startRecordingServer({
      namespace: network.internet,
      address: WEB_ADDRESS,
      port: 8080,
      recordFile,
      readyFile: join(dir, "recorder.ready"),
    });
    const socket = join(dir, "egress.sock");
    const log = join(dir, "requests.jsonl");
    const [program, ...args] = qubesifyArgv([
      "proxy",
      "--listen",
      socket,
      "--policy",
      join(dir, "policy.yaml"),
      "--hosts",
      join(dir, "hosts"),
      "--log",
      log,
      "--vm",
      "itest",
    ], { namespace: network.proxy });
    await using _proxy = await startBackground({
      program,
      args,
      ready: () => Deno.stat(socket).then(() => true, () => false),
      readyTimeoutMs: 30_000,
    });
    await using relay = startTcpToUnix(socket);
    const proxy = `127.0.0.1:${relay.port}`;

    const curl = (url: string) =>
      run("curl", [
        "-sS",
        "--max-time",
        "20",
        "--proxy",
        `http://${proxy}`,
        "--cacert",
        cert,
        "-w",
        "\n%{http_code} %{http_connect}",
        url,
      ]);

    const reached: [string, string, string][] = [
      [
        "over HTTPS",
        "https://git.test/hello",
        "hello from git.test\n\n200 200",
      ],
      [
        "on an IPv6 address",
        "https://v6.test/hello",
        "hello from v6.test\n\n200 200",
      ],
      [
        "over plain HTTP",
        "http://git.test/hello",
        "hello from git.test\n\n200 000",
      ],
    ];
    for (const [how, url, expected] of reached) {
      await t.step(`curl reaches an allowed name ${how}`, async () => {
        const result = await curl(url);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stdout, expected);
      });
    }
    const refusals: [string, string][] = [
      ["a name not allowed", "https://other.test/hello"],
      ["a denied name", "https://denied.test/hello"],
      ["a block-listed name", "https://ads.test/hello"],
      ["a port not allowed", "https://git.test:8443/hello"],
      ["ssh port on a web name", "https://git.test:22/"],
      ["a private IP literal", `https://${PRIVATE_ADDRESS}/hello`],
      ["a name pinned to a private address", "https://private.test/hello"],
      ["a name resolving to loopback", "https://loop.test/hello"],
      ["a name resolving to a unique-local address", "https://ula.test/hello"],
      ["an IPv6 literal not allowed", `https://[${WEB_ADDRESS6}]/hello`],
      ["the proxy host's own address", `https://${network.proxyAddress}/`],
      ["plain HTTP to a private literal", `http://${PRIVATE_ADDRESS}/hello`],
    ];
    for (const [what, url] of refusals) {
      await t.step(`curl to ${what} is refused with 403`, async () => {
        const result = await curl(url);
        if (url.startsWith("https:")) {
          assert.notEqual(result.code, 0);
          assert.match(result.stdout, /^\n?000 403$/);
        } else {
          assert.match(result.stdout, / is a private address\n\n403 000$/);
        }
        assert.doesNotMatch(result.stdout, /hello from/);
      });
    }

    // The environment's GIT_SSL_CAINFO would override http.sslCAInfo.
    const gitEnv = {
      GIT_SSH_COMMAND: `ssh -F ${join(dir, "ssh_config")}`,
      GIT_SSL_CAINFO: cert,
    };
    await Deno.writeTextFile(
      join(dir, "ssh_config"),
      [
        "Host *",
        "  User root",
        `  IdentityFile ${ssh.identity}`,
        "  IdentitiesOnly yes",
        `  UserKnownHostsFile ${ssh.knownHosts}`,
        "  StrictHostKeyChecking yes",
        "  BatchMode yes",
        "  ConnectTimeout 20",
        `  ProxyCommand nc -X connect -x ${proxy} %h %p`,
        "",
      ].join("\n"),
    );
    // A clone that must fail names what git says when it does.
    const clones: [string, string, RegExp?][] = [
      ["over HTTPS through the proxy", "https://git.test/repo.git"],
      [
        "over HTTPS from a name not allowed fails",
        "https://other.test/repo.git",
        /403/,
      ],
      ["over SSH through nc -X connect", `ssh://ssh.test${gitRoot}/repo.git`],
      [
        "over SSH to a name without port 22 fails",
        `ssh://nossh.test${gitRoot}/repo.git`,
        /403|[Cc]onnection closed/,
      ],
    ];
    for (const [index, [what, url, refusal]] of clones.entries()) {
      await t.step(`git clone ${what}`, async () => {
        const into = join(dir, `clone-${index}`);
        const result = await run("git", [
          "-c",
          `http.proxy=http://${proxy}`,
          "clone",
          "-q",
          url,
          into,
        ], gitEnv);
        if (refusal) {
          assert.notEqual(result.code, 0);
          assert.match(result.stderr, refusal);
        } else {
          assert.equal(result.code, 0, result.stderr);
          assert.equal(
            await Deno.readTextFile(join(into, "README")),
            "through the proxy\n",
          );
        }
      });
    }
    await t.step(
      "an idle tunnel is closed after the policy's idle timeout",
      async () => {
        const conn = await Deno.connect({
          hostname: "127.0.0.1",
          port: relay.port,
        });
        try {
          await conn.write(
            new TextEncoder().encode("CONNECT ssh.test:22 HTTP/1.1\r\n\r\n"),
          );
          const started = Date.now();
          const received = await new Response(conn.readable).text();
          const elapsed = Date.now() - started;
          assert.match(
            received,
            /^HTTP\/1\.1 200 Connection established\r\n\r\nSSH-2\.0-/,
          );
          assert.ok(
            elapsed >= 1_500 && elapsed < 15_000,
            `closed after ${elapsed} ms`,
          );
        } finally {
          try {
            conn.close();
          } catch {
            // The readable stream closed it.
          }
        }
      },
    );

    await pipeliningSteps(t, { proxyPort: relay.port, recordFile });

    await t.step(
      "every request has its log record, read by qubesify proxy log",
      async () => {
        // The proxy writes a record when a connection ends; give the last a moment.
        await new Promise((resolve) => setTimeout(resolve, 500));
        const printed = await runQubesify([
          "proxy",
          "log",
          "--log",
          log,
          "--vm",
          "itest",
          "--json",
        ]);
        assert.equal(printed.code, 0, printed.stderr);
        const records: EgressRecord[] = printed.stdout.trim().split("\n").map((
          line,
        ) => JSON.parse(line));
        assert.ok(records.every((record) => record.vm === "itest"));
        const find = (host: string, port: number, decision: string) =>
          records.find((r) =>
            r.host === host && r.port === port && r.decision === decision
          );
        const hello = find("git.test", 443, "allow")!;
        assert.equal(hello.method, "CONNECT");
        assert.equal(hello.address, WEB_ADDRESS);
        assert.equal(hello.status, 200);
        assert.ok(hello.bytes_up > 0 && hello.bytes_down > 0);
        assert.equal(find("v6.test", 443, "allow")!.address, WEB_ADDRESS6);
        assert.equal(
          find("ula.test", 443, "deny")!.rule,
          "always-deny unique-local fc00::/7",
        );
        assert.equal(
          find(WEB_ADDRESS6, 443, "deny")!.rule,
          "no allow rule matches",
        );
        const plain = find("git.test", 80, "allow")!;
        assert.equal(plain.method, "GET");
        assert.equal(plain.status, null);
        assert.ok(plain.bytes_down > "hello from git.test\n".length);
        assert.match(
          find("other.test", 443, "deny")!.rule,
          /^no allow rule matches$/,
        );
        assert.equal(
          find("denied.test", 443, "deny")!.rule,
          "deny denied.test",
        );
        assert.match(
          find("ads.test", 443, "deny")!.rule,
          /^blocklist .*block\.txt:1$/,
        );
        assert.match(
          find("git.test", 8443, "deny")!.rule,
          /^port 8443 not allowed/,
        );
        const privateLiteral = find(PRIVATE_ADDRESS, 443, "deny")!;
        assert.equal(privateLiteral.rule, "always-deny private 10.0.0.0/8");
        assert.equal(privateLiteral.address, PRIVATE_ADDRESS);
        assert.equal(
          find("private.test", 443, "deny")!.address,
          PRIVATE_ADDRESS,
        );
        const loop = find("loop.test", 443, "deny")!;
        assert.equal(loop.rule, "always-deny loopback 127.0.0.0/8");
        assert.equal(loop.address, "127.0.0.1");
        assert.match(
          find(network.proxyAddress, 443, "deny")!.rule,
          /^always-deny host-address/,
        );
        const ssh = records.filter((r) =>
          r.host === "ssh.test" && r.port === 22
        );
        assert.ok(ssh.some((r) => r.decision === "allow" && r.error === null));
        const idle = ssh.find((r) => r.error === "idle timeout")!;
        assert.equal(idle.decision, "allow");
        assert.ok(idle.bytes_down > 0);
        assert.ok(find("nossh.test", 22, "deny"));
        for (const record of records) {
          assert.ok(record.duration_ms >= 0);
          assert.ok(!Number.isNaN(Date.parse(record.time)));
        }
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
