import assert from "node:assert/strict";
import { HostNameError, normalizeHost } from "./host_name.ts";

Deno.test("host names are lowercased and lose one trailing dot", () => {
  assert.deepEqual(normalizeHost("GitHub.COM."), {
    kind: "name",
    name: "github.com",
  });
  assert.deepEqual(normalizeHost("xn--bcher-kva.example"), {
    kind: "name",
    name: "xn--bcher-kva.example",
  });
  const v4 = normalizeHost("203.0.113.5");
  assert.equal(v4.kind, "address");
  const v6 = normalizeHost("[2001:DB8::1]");
  assert.equal(v6.kind, "address");
  assert.equal(v6.name, "2001:db8::1");
});

Deno.test("ambiguous or invalid hosts are refused with a reason", () => {
  for (
    const bad of [
      "",
      ".",
      "a..b",
      "github.com..",
      "-a.example",
      "a-.example",
      "bücher.example",
      "under_score.example",
      "127.1",
      "2130706433",
      "0x7f.0.0.1",
      "1.2.3.4.5",
      "example.org:443",
      "a b",
      "[::1",
      "[fe80::1%25eth0]",
      "[not-v6]",
      "a".repeat(64) + ".example",
      ("a".repeat(60) + ".").repeat(5) + "org",
    ]
  ) {
    assert.throws(() => normalizeHost(bad), HostNameError, bad);
  }
});
