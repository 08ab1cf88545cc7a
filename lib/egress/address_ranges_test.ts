import assert from "node:assert/strict";
import { deniedRange } from "./address_ranges.ts";
import { parseIpAddress } from "./ip_address.ts";

function check(text: string, own: string[] = []) {
  return deniedRange(
    parseIpAddress(text)!,
    own.map((address) => parseIpAddress(address)!),
  )?.category;
}

Deno.test("always-denied ranges, IPv4 and IPv6", () => {
  const denied: [string, string][] = [
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "link-local"],
    ["100.64.0.1", "shared-address-space"],
    ["0.0.0.0", "this-network"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "reserved"],
    ["::1", "loopback-or-unspecified"],
    ["::", "loopback-or-unspecified"],
    ["::127.0.0.1", "loopback-or-unspecified"],
    ["fd00::1", "unique-local"],
    ["fc12:3456::1", "unique-local"],
    ["fe80::1", "link-local"],
    ["febf::1", "link-local"],
    ["fec0::1", "site-local"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:10.0.0.1", "private"],
    ["64:ff9b::a00:1", "private"],
    ["2002:7f00:1::", "loopback"],
    ["2002:c0a8:101::1", "private"],
  ];
  for (const [address, category] of denied) {
    assert.equal(check(address), category, address);
  }
});

Deno.test("public and documentation addresses pass", () => {
  for (
    const address of [
      "192.0.2.1",
      "198.51.100.7",
      "203.0.113.10",
      "172.32.0.1",
      "172.15.255.255",
      "100.128.0.1",
      "1.1.1.1",
      "2001:db8::1",
      "2606:4700::1111",
      "::ffff:203.0.113.1",
      "2002:cb00:710a::1",
    ]
  ) {
    assert.equal(check(address), undefined, address);
  }
});

Deno.test("the host's own addresses are denied, mapped forms too", () => {
  assert.equal(check("198.51.100.1", ["198.51.100.1"]), "host-address");
  assert.equal(check("::ffff:198.51.100.1", ["198.51.100.1"]), "host-address");
  assert.equal(check("2001:db8::5", ["2001:db8::5"]), "host-address");
  assert.equal(check("198.51.100.2", ["198.51.100.1"]), undefined);
});
