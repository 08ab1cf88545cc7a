import assert from "node:assert/strict";
import { guestAddress, guestIpParameter, tapSetupPlan } from "./tap_network.ts";

Deno.test("two devices for ada: bridge, isolated TAPs, forwarding", () => {
  const plan = tapSetupPlan({ devices: 2, user: "ada" });
  assert.deepEqual(plan.commands, [
    ["ip", "link", "add", "qsbr0", "type", "bridge"],
    ["ip", "address", "add", "10.233.0.1/24", "dev", "qsbr0"],
    ["ip", "link", "set", "qsbr0", "up"],
    ["ip", "tuntap", "add", "dev", "qs-tap0", "mode", "tap", "user", "ada"],
    ["ip", "link", "set", "qs-tap0", "master", "qsbr0"],
    ["bridge", "link", "set", "dev", "qs-tap0", "isolated", "on"],
    ["ip", "link", "set", "qs-tap0", "up"],
    ["ip", "tuntap", "add", "dev", "qs-tap1", "mode", "tap", "user", "ada"],
    ["ip", "link", "set", "qs-tap1", "master", "qsbr0"],
    ["bridge", "link", "set", "dev", "qs-tap1", "isolated", "on"],
    ["ip", "link", "set", "qs-tap1", "up"],
    ["sysctl", "-w", "net.ipv4.ip_forward=1"],
  ]);
  assert.match(plan.ruleset, /iifname "qsbr0" drop/);
  assert.match(
    plan.ruleset,
    /ip daddr \{ 0\.0\.0\.0\/8, 10\.0\.0\.0\/8, .*192\.168\.0\.0\/16 \} drop/,
  );
  assert.match(
    plan.ruleset,
    /ip saddr 10\.233\.0\.0\/24 oifname != "qsbr0" masquerade/,
  );
});

Deno.test("bad plans are refused", () => {
  assert.throws(
    () => tapSetupPlan({ devices: 0, user: "ada" }),
    /at least one/,
  );
  assert.throws(
    () => tapSetupPlan({ devices: 201, user: "ada" }),
    /at most 200/,
  );
  assert.throws(
    () => tapSetupPlan({ devices: 1, user: "ada; rm -rf /" }),
    /not a user name/,
  );
});

Deno.test("guest addresses follow the device index", () => {
  assert.equal(guestAddress("qs-tap0"), "10.233.0.10");
  assert.equal(guestAddress("qs-tap199"), "10.233.0.209");
  assert.equal(guestAddress("qs-tap200"), undefined);
  assert.equal(guestAddress("eth0"), undefined);
  assert.equal(
    guestIpParameter("qs-tap3"),
    "ip=10.233.0.13::10.233.0.1:255.255.255.0::eth0:off",
  );
  assert.throws(() => guestIpParameter("tap0"), /not a qubesify TAP device/);
});
