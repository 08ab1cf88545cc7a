import assert from "node:assert/strict";
import { parseRequestTarget, TargetError } from "./request_target.ts";

Deno.test("CONNECT targets: host:port, IPv6 in brackets", () => {
  const target = parseRequestTarget("CONNECT", "GitHub.com.:443");
  assert.equal(target.kind, "connect");
  assert.equal(target.host.name, "github.com");
  assert.equal(target.port, 443);
  const v6 = parseRequestTarget("CONNECT", "[2001:db8::1]:22");
  assert.equal(v6.host.kind, "address");
  assert.equal(v6.port, 22);
});

Deno.test("absolute http URIs: host, default port 80, origin-form path", () => {
  const target = parseRequestTarget(
    "GET",
    "HTTP://Deb.Debian.org/debian/dists?x=1",
  );
  assert.equal(target.kind, "http");
  assert.equal(target.host.name, "deb.debian.org");
  assert.equal(target.port, 80);
  assert.equal(target.path, "/debian/dists?x=1");
  assert.equal(parseRequestTarget("GET", "http://a.example").path, "/");
  assert.equal(parseRequestTarget("GET", "http://a.example?q").path, "/?q");
  assert.equal(parseRequestTarget("GET", "http://a.example:8080/").port, 8080);
});

Deno.test("tricky targets are refused", () => {
  const bad: [string, string][] = [
    ["CONNECT", "github.com"],
    ["CONNECT", "github.com:"],
    ["CONNECT", "github.com:0"],
    ["CONNECT", "github.com:65536"],
    ["CONNECT", "github.com:+443"],
    ["CONNECT", "github.com:443:22"],
    ["CONNECT", "user:pw@github.com:443"],
    ["CONNECT", "2001:db8::1:443"],
    ["CONNECT", "[2001:db8::1]x:443"],
    ["CONNECT", "[fe80::1%25eth0]:443"],
    ["CONNECT", "%67ithub.com:443"],
    ["GET", "/index.html"],
    ["GET", "*"],
    ["GET", "https://github.com/"],
    ["GET", "ftp://github.com/"],
    ["GET", "http://user@github.com/"],
    ["GET", "http://github.com@evil.example/"],
    ["GET", "http://github.com\\@evil.example/"],
    ["GET", "http://github.com/#frag"],
    ["GET", "http:///path"],
    ["GET", "http://127.1/"],
  ];
  for (const [method, target] of bad) {
    assert.throws(
      () => parseRequestTarget(method, target),
      TargetError,
      target,
    );
  }
});
