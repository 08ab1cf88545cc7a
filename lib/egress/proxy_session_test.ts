/**
 * One connection's handling, through the proxy in-process: every request
 * here is refused before any outbound connection (names are pinned to
 * loopback, private or the "host's own" addresses), so nothing leaves this
 * machine. Allowed traffic is tested against real servers in tests/egress.
 */
import assert from "node:assert/strict";
import { exchange, H, recordCount, text, withProxy } from "./_test_proxy.ts";

/** [name, request, status answered, decision logged, rule pattern] */
type Hostile = [string, Uint8Array, number, "allow" | "deny", RegExp];

const HOSTILE: Hostile[] = [
  [
    "name pinned to loopback",
    text(`CONNECT localpinned.example:443 ${H}`),
    403,
    "deny",
    /^always-deny loopback 127\.0\.0\.0\/8$/,
  ],
  [
    "name pinned to ::1",
    text(`CONNECT v6loop.example:443 ${H}`),
    403,
    "deny",
    /^always-deny loopback-or-unspecified/,
  ],
  [
    "name pinned to a private address",
    text(`CONNECT private.example:443 ${H}`),
    403,
    "deny",
    /^always-deny private 10\.0\.0\.0\/8$/,
  ],
  [
    "one of two addresses private",
    text(`CONNECT mixed.example:443 ${H}`),
    403,
    "deny",
    /^always-deny private 192\.168/,
  ],
  [
    "the host's own address",
    text(`CONNECT ownaddr.example:443 ${H}`),
    403,
    "deny",
    /^always-deny host-address 198\.51\.100\.1$/,
  ],
  [
    "private IPv4 literal",
    text(`CONNECT 10.0.0.1:443 ${H}`),
    403,
    "deny",
    /^always-deny private/,
  ],
  [
    "loopback literal to ssh",
    text(`CONNECT 127.0.0.1:22 ${H}`),
    403,
    "deny",
    /^always-deny loopback/,
  ],
  [
    "IPv6 loopback literal",
    text(`CONNECT [::1]:443 ${H}`),
    403,
    "deny",
    /^always-deny loopback-or-unspecified/,
  ],
  [
    "IPv4-mapped loopback",
    text(`CONNECT [::ffff:127.0.0.1]:443 ${H}`),
    403,
    "deny",
    /^always-deny loopback 127/,
  ],
  [
    "metadata address, CONNECT",
    text(`CONNECT 169.254.169.254:80 ${H}`),
    403,
    "deny",
    /^always-deny link-local/,
  ],
  [
    "metadata address, plain GET",
    text(`GET http://169.254.169.254/latest/meta-data/ ${H}`),
    403,
    "deny",
    /^always-deny link-local/,
  ],
  [
    "unique-local literal",
    text(`CONNECT [fd00::1]:443 ${H}`),
    403,
    "deny",
    /^always-deny unique-local/,
  ],
  [
    "plain GET to [::1]",
    text(`GET http://[::1]:80/ ${H}`),
    403,
    "deny",
    /^always-deny loopback/,
  ],
  [
    "6to4 wrapping loopback",
    text(`CONNECT [2002:7f00:1::1]:443 ${H}`),
    403,
    "deny",
    /^always-deny loopback/,
  ],
  [
    "name not allowed",
    text(`CONNECT example.com:443 ${H}`),
    403,
    "deny",
    /^no allow rule matches$/,
  ],
  [
    "allowed name, ssh port not listed",
    text(`CONNECT example.org:22 ${H}`),
    403,
    "deny",
    /^port 22 not allowed for example\.org \(allowed: 443\)$/,
  ],
  [
    "allowed name, odd port",
    text(`CONNECT example.org:8443 ${H}`),
    403,
    "deny",
    /^port 8443 not allowed/,
  ],
  [
    "allowed pattern, odd port",
    text(`CONNECT a.example.net:31337 ${H}`),
    403,
    "deny",
    /^port 31337 not allowed for \*\.example\.net/,
  ],
  [
    "denied name under an allowed pattern",
    text(`CONNECT bad.example.net:443 ${H}`),
    403,
    "deny",
    /^deny bad\.example\.net$/,
  ],
  [
    "block-listed name",
    text(`CONNECT x.ads.example.org:443 ${H}`),
    403,
    "deny",
    /^blocklist ads\.txt:1$/,
  ],
  [
    "case and trailing dot",
    text(`CONNECT EXAMPLE.COM.:443 ${H}`),
    403,
    "deny",
    /^no allow rule matches$/,
  ],
  [
    "case games on a pinned name",
    text(`CONNECT LocalPinned.Example.:443 ${H}`),
    403,
    "deny",
    /^always-deny loopback/,
  ],
  [
    "punycode name not allowed",
    text(`CONNECT xn--bcher-kva.example:443 ${H}`),
    403,
    "deny",
    /^no allow rule matches$/,
  ],
  [
    "raw UTF-8 name",
    text(`CONNECT bücher.example:443 ${H}`),
    400,
    "deny",
    /^malformed request: invalid request target$/,
  ],
  [
    "userinfo in CONNECT",
    text(`CONNECT user:pw@example.org:443 ${H}`),
    400,
    "deny",
    /user information/,
  ],
  [
    "userinfo in an absolute URI",
    text(`GET http://example.org@127.0.0.1/ ${H}`),
    400,
    "deny",
    /user information/,
  ],
  [
    "short IPv4 form",
    text(`GET http://127.1/ ${H}`),
    400,
    "deny",
    /numeric host names/,
  ],
  [
    "decimal IPv4 form",
    text(`GET http://2130706433/ ${H}`),
    400,
    "deny",
    /numeric host names/,
  ],
  [
    "hex IPv4 form",
    text(`GET http://0x7f000001/ ${H}`),
    400,
    "deny",
    /numeric host names/,
  ],
  [
    "percent-encoded host",
    text(`GET http://example.org%2e/ ${H}`),
    400,
    "deny",
    /percent-encoded/,
  ],
  [
    "wildcard host",
    text(`CONNECT *.example.net:443 ${H}`),
    400,
    "deny",
    /letters, digits/,
  ],
  [
    "origin-form request",
    text(`GET /index.html ${H}`),
    400,
    "deny",
    /absolute http:\/\/ URI/,
  ],
  [
    "https absolute URI",
    text(`GET https://example.org/ ${H}`),
    400,
    "deny",
    /CONNECT/,
  ],
  [
    "ftp URI",
    text(`GET ftp://example.org/ ${H}`),
    400,
    "deny",
    /unsupported scheme/,
  ],
  [
    "CONNECT without a port",
    text(`CONNECT example.org ${H}`),
    400,
    "deny",
    /host:port/,
  ],
  [
    "CONNECT to port 0",
    text(`CONNECT example.org:0 ${H}`),
    400,
    "deny",
    /port number/,
  ],
  [
    "CONNECT to port 99999",
    text(`CONNECT example.org:99999 ${H}`),
    400,
    "deny",
    /port number/,
  ],
  [
    "IPv6 zone",
    text(`CONNECT [fe80::1%25eth0]:443 ${H}`),
    400,
    "deny",
    /percent-encoded|zone/,
  ],
  [
    "unbracketed IPv6",
    text(`CONNECT 2001:db8::1:443 ${H}`),
    400,
    "deny",
    /brackets/,
  ],
  ["garbage", text("GARBAGE\r\n\r\n"), 400, "deny", /request line/],
  [
    "bare LF line endings",
    text("GET http://example.org/ HTTP/1.1\nHost: x\n\n"),
    400,
    "deny",
    /CRLF/,
  ],
  [
    "spaces inside the target",
    text(`GET http://exa mple.org/ ${H}`),
    400,
    "deny",
    /request line/,
  ],
  [
    "HTTP/2 preface",
    text("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
    505,
    "deny",
    /HTTP\/1\.0 and HTTP\/1\.1/,
  ],
  [
    "huge header",
    text(
      `GET http://example.org/ HTTP/1.1\r\nX: ${"a".repeat(20_000)}\r\n\r\n`,
    ),
    431,
    "deny",
    /too large/,
  ],
  [
    "too many headers",
    text(`GET http://example.org/ HTTP/1.1\r\n${"X: y\r\n".repeat(150)}\r\n`),
    431,
    "deny",
    /too many header/,
  ],
  [
    "NUL in a header",
    text(`GET http://example.org/ HTTP/1.1\r\nX: a\0b\r\n\r\n`),
    400,
    "deny",
    /header value/,
  ],
  [
    "folded header",
    text(`GET http://example.org/ HTTP/1.1\r\nX: a\r\n b\r\n\r\n`),
    400,
    "deny",
    /folded/,
  ],
  [
    "smuggling: length and chunked",
    text(
      `POST http://example.org/ HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n`,
    ),
    400,
    "deny",
    /both Content-Length/,
  ],
  [
    "binary junk",
    new Uint8Array([0x16, 0x03, 0x01, 0x00, 0xff, 0x0d, 0x0a, 0x0d, 0x0a]),
    400,
    "deny",
    /malformed request/,
  ],
];

Deno.test("hostile requests are refused with the right status and log record", async () => {
  assert.ok(HOSTILE.length >= 30);
  await withProxy({}, async (socket, records) => {
    for (const [name, request, status, decision, rule] of HOSTILE) {
      const before = records.length;
      const answer = await exchange(socket, request);
      assert.match(answer, new RegExp(`^HTTP/1\\.1 ${status} `), name);
      assert.match(answer, /\r\nConnection: close\r\n/, name);
      // The reason is short and on one line.
      const body = answer.slice(answer.indexOf("\r\n\r\n") + 4);
      assert.ok(body.length < 200 && body.endsWith("\n"), name);
      await recordCount(records, before + 1);
      assert.equal(records.length, before + 1, name);
      const record = records[before];
      assert.equal(record.decision, decision, name);
      assert.match(record.rule, rule, `${name}: ${record.rule}`);
      assert.equal(record.status, status, name);
      assert.equal(record.vm, "testvm");
      assert.equal(record.bytes_up, 0, name);
    }
    // Spot checks of what the records say about the target.
    const pinned = records.find((r) => r.host === "localpinned.example")!;
    assert.deepEqual(
      [pinned.method, pinned.port, pinned.address],
      ["CONNECT", 443, "127.0.0.1"],
    );
    assert.ok(records.some((r) => r.host === "example.com"));
    assert.equal(
      records.find((r) => r.rule.includes("unique-local"))!.address,
      "fd00::1",
    );
    // Still serving after all of that.
    const last = await exchange(socket, text(`CONNECT example.com:443 ${H}`));
    assert.match(last, /^HTTP\/1\.1 403 Forbidden\r\n/);
    assert.match(
      last,
      /example\.com:443 is not allowed \(no allow rule matches\)\n$/,
    );
  });
});

Deno.test("a client that sends nothing is closed after the head timeout", async () => {
  await withProxy(
    { limits: { headTimeoutMs: 200 } },
    async (socket, records) => {
      const started = Date.now();
      const answer = await exchange(
        socket,
        text("CONNECT example.org:443 HTTP/1.1\r\n"),
      );
      assert.match(answer, /^HTTP\/1\.1 408 /);
      assert.ok(Date.now() - started < 3000);
      await recordCount(records, 1);
      assert.equal(records.at(-1)?.rule, "request head timeout");
    },
  );
});
