import assert from "node:assert/strict";
import {
  formatIpAddress,
  parseIpAddress,
  parseIpv4,
  parseIpv6,
  sameAddress,
} from "./ip_address.ts";

Deno.test("IPv4: dotted quads only, no leading zeros or short forms", () => {
  assert.deepEqual([...parseIpv4("203.0.113.5")!.bytes], [203, 0, 113, 5]);
  assert.deepEqual([...parseIpv4("0.0.0.0")!.bytes], [0, 0, 0, 0]);
  for (
    const bad of [
      "127.1",
      "010.0.0.1",
      "0x7f.0.0.1",
      "2130706433",
      "256.0.0.1",
      "1.2.3.4.",
      "1.2.3",
      " 1.2.3.4",
      "1.2.3.-4",
      "",
    ]
  ) {
    assert.equal(parseIpv4(bad), undefined, bad);
  }
});

Deno.test("IPv6: full, compressed and IPv4-tailed forms", () => {
  const cases: [string, string][] = [
    ["::", "::"],
    ["::1", "::1"],
    ["2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["2001:db8::", "2001:db8::"],
    ["::ffff:192.0.2.1", "::ffff:c000:201"],
    ["fe80::1:0:0:2", "fe80::1:0:0:2"],
    ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
  ];
  for (const [text, canonical] of cases) {
    const address = parseIpv6(text);
    assert.ok(address, text);
    assert.equal(formatIpAddress(address), canonical);
  }
  for (
    const bad of [
      ":::",
      "1::2::3",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7",
      "12345::",
      "::g",
      "fe80::1%eth0",
      ":1",
      "1:",
      "::1.2.3",
      "1:2:3:4:5:6:7::1.2.3.4",
    ]
  ) {
    assert.equal(parseIpv6(bad), undefined, bad);
  }
});

Deno.test("sameAddress sees an IPv4-mapped address as its IPv4 address", () => {
  assert.ok(
    sameAddress(
      parseIpAddress("::ffff:198.51.100.1")!,
      parseIpAddress("198.51.100.1")!,
    ),
  );
  assert.ok(!sameAddress(parseIpAddress("::1")!, parseIpAddress("127.0.0.1")!));
});
