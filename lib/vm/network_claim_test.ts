import assert from "node:assert/strict";
import { claimNetwork, NoTapDeviceError } from "./network_claim.ts";

Deno.test("claimNetwork: user is QEMU's NAT; none and proxy give the guest no NIC", async () => {
  const claimsDir = await Deno.makeTempDir();
  try {
    for (
      const [mode, expected] of [["user", "user"], ["none", "none"], [
        "proxy",
        "none",
      ]] as const
    ) {
      await using claim = await claimNetwork({ network: { mode }, claimsDir });
      assert.deepEqual(claim.network, { mode: expected });
    }
  } finally {
    await Deno.remove(claimsDir, { recursive: true });
  }
});

Deno.test("claimNetwork: tap takes the first free existing device and gives it back", async () => {
  const claimsDir = await Deno.makeTempDir();
  const exists = (name: string) => Promise.resolve(name !== "qs-tap0");
  try {
    {
      await using first = await claimNetwork({
        network: { mode: "tap" },
        claimsDir,
        deviceExists: exists,
      });
      await using second = await claimNetwork({
        network: { mode: "tap" },
        claimsDir,
        deviceExists: exists,
      });
      assert.deepEqual(first.network, { mode: "tap", device: "qs-tap1" });
      assert.deepEqual(second.network, { mode: "tap", device: "qs-tap2" });
    }
    await using again = await claimNetwork({
      network: { mode: "tap" },
      claimsDir,
      deviceExists: exists,
    });
    assert.deepEqual(again.network, { mode: "tap", device: "qs-tap1" });
  } finally {
    await Deno.remove(claimsDir, { recursive: true });
  }
});

Deno.test("claimNetwork: a recipe's own TAP device that is taken or missing is refused", async () => {
  const claimsDir = await Deno.makeTempDir();
  try {
    await using _held = await claimNetwork({
      network: { mode: "tap", tap: "mytap" },
      claimsDir,
      deviceExists: () => Promise.resolve(true),
    });
    await assert.rejects(
      claimNetwork({
        network: { mode: "tap", tap: "mytap" },
        claimsDir,
        deviceExists: () => Promise.resolve(true),
      }),
      (error: Error) =>
        error instanceof NoTapDeviceError && /mytap/.test(error.message),
    );
    await assert.rejects(
      claimNetwork({
        network: { mode: "tap", tap: "gone" },
        claimsDir,
        deviceExists: () => Promise.resolve(false),
      }),
      NoTapDeviceError,
    );
  } finally {
    await Deno.remove(claimsDir, { recursive: true });
  }
});
