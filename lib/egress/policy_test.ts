import assert from "node:assert/strict";
import { emptyBlocklist, parseBlocklist } from "./blocklist.ts";
import { decideRequest } from "./policy.ts";
import { matchesHostPattern } from "./host_pattern.ts";

const POLICY = {
  allow: [
    { host: "deb.debian.org", ports: [80, 443] },
    { host: "github.com", ports: [443, 22] },
    { host: "*.github.com" },
    { host: "ads.example" },
  ],
  deny: ["gist.github.com"],
};

Deno.test("host patterns: exact, and *. for subdomains only", () => {
  assert.ok(matchesHostPattern("github.com", "github.com"));
  assert.ok(!matchesHostPattern("github.com", "api.github.com"));
  assert.ok(matchesHostPattern("*.github.com", "api.github.com"));
  assert.ok(matchesHostPattern("*.github.com", "a.b.github.com"));
  assert.ok(!matchesHostPattern("*.github.com", "github.com"));
  assert.ok(!matchesHostPattern("*.github.com", "evilgithub.com"));
});

Deno.test("decisions: deny first, block lists, then host and port rules", () => {
  const blocklist = parseBlocklist("ads.example\n", "ads.txt");
  const decide = (host: string, port: number, kind: "connect" | "http") =>
    decideRequest(POLICY, blocklist, { host, port, kind });
  assert.deepEqual(decide("github.com", 443, "connect"), {
    allowed: true,
    rule: "allow github.com ports 443,22",
  });
  assert.equal(decide("github.com", 22, "connect").allowed, true);
  assert.deepEqual(decide("gist.github.com", 443, "connect"), {
    allowed: false,
    rule: "deny gist.github.com",
  });
  assert.deepEqual(decide("ads.example", 443, "connect"), {
    allowed: false,
    rule: "blocklist ads.txt:1",
  });
  // No ports listed: 443 for CONNECT, 80 for plain HTTP, never 22.
  assert.equal(decide("api.github.com", 443, "connect").allowed, true);
  assert.equal(decide("api.github.com", 80, "http").allowed, true);
  assert.equal(decide("api.github.com", 80, "connect").allowed, false);
  assert.deepEqual(decide("api.github.com", 22, "connect"), {
    allowed: false,
    rule: "port 22 not allowed for *.github.com (allowed: 443)",
  });
  assert.equal(decide("deb.debian.org", 80, "http").allowed, true);
  assert.deepEqual(decide("example.org", 443, "connect"), {
    allowed: false,
    rule: "no allow rule matches",
  });
  assert.equal(
    decideRequest(POLICY, emptyBlocklist(), {
      host: "ads.example",
      port: 443,
      kind: "connect",
    }).allowed,
    true,
  );
});
