import assert from "node:assert/strict";
import { GuestMemory, GuestMemoryError } from "./guest_memory.ts";
import { FAKE_HOST_BASE, fakeRawMemory } from "./_test_guest.ts";

Deno.test("guest memory: copies by guest address, across adjacent regions", () => {
  const raw = fakeRawMemory(0x3000);
  // Two regions adjacent in guest space, mapped apart here.
  const memory = new GuestMemory([
    {
      guestAddress: 0x1000n,
      size: 0x1000n,
      userAddress: 0xa000n,
      hostAddress: FAKE_HOST_BASE + 0x2000n,
    },
    {
      guestAddress: 0x2000n,
      size: 0x1000n,
      userAddress: 0xb000n,
      hostAddress: FAKE_HOST_BASE,
    },
  ], raw);
  memory.write(0x1ffen, new Uint8Array([1, 2, 3, 4]));
  assert.deepEqual(raw.bytes.subarray(0x2ffe, 0x3000), new Uint8Array([1, 2]));
  assert.deepEqual(raw.bytes.subarray(0, 2), new Uint8Array([3, 4]));
  const back = new Uint8Array(4);
  memory.read(0x1ffen, back);
  assert.deepEqual(back, new Uint8Array([1, 2, 3, 4]));
  assert.equal(memory.guestAddressOfUser(0xb010n), 0x2010n);
});

Deno.test("guest memory: refuses any byte outside the regions, before copying", () => {
  const raw = fakeRawMemory(0x1000);
  const memory = new GuestMemory([{
    guestAddress: 0x1000n,
    size: 0x1000n,
    userAddress: 0xa000n,
    hostAddress: FAKE_HOST_BASE,
  }], raw);
  assert.throws(
    () => memory.write(0x1ffcn, new Uint8Array(8).fill(9)),
    GuestMemoryError,
  );
  assert.ok(raw.bytes.every((b) => b === 0), "nothing written");
  assert.throws(() => memory.read(0xfffn, new Uint8Array(2)), GuestMemoryError);
  assert.throws(() => memory.read(0xffff_ffff_ffffn, new Uint8Array(1)));
  assert.throws(() => memory.guestAddressOfUser(0xb000n), /no memory region/);
});
