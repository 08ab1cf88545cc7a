import assert from "node:assert/strict";
import {
  hasPortBlock,
  portBlockOwner,
  RELAY_FORWARD_PORT,
  SERVICE_PORTS,
  type ServiceName,
  VM_PORT_BASE,
  VM_PORTS_FIRST_CID,
  VM_PORTS_LAST_CID,
  vmServicePorts,
} from "./ports.ts";

const SERVICES = Object.keys(SERVICE_PORTS) as ServiceName[];

Deno.test("a CID's block is four consecutive ports, one per service", () => {
  assert.deepEqual(vmServicePorts(100), {
    wayland: 1_000_400,
    audio: 1_000_401,
    egress: 1_000_402,
    control: 1_000_403,
  });
  for (const service of SERVICES) {
    assert.deepEqual(portBlockOwner(vmServicePorts(100)[service]), {
      cid: 100,
      service,
    });
  }
});

Deno.test("blocks of different CIDs never share a port, nor the well-known ones", () => {
  const seen = new Map<number, number>();
  const cids = [
    VM_PORTS_FIRST_CID,
    VM_PORTS_FIRST_CID + 1,
    99,
    100,
    101,
    100_000,
    VM_PORTS_LAST_CID - 1,
    VM_PORTS_LAST_CID,
  ];
  const wellKnown = [...Object.values(SERVICE_PORTS), RELAY_FORWARD_PORT];
  for (const cid of cids) {
    for (const port of Object.values(vmServicePorts(cid))) {
      assert.equal(seen.get(port), undefined, `port ${port} twice`);
      assert.ok(!wellKnown.includes(port));
      seen.set(port, cid);
      assert.equal(portBlockOwner(port)?.cid, cid);
    }
  }
  for (const port of wellKnown) assert.equal(portBlockOwner(port), undefined);
});

Deno.test("every block stays within u32 and below the kernel's any port", () => {
  const last = vmServicePorts(VM_PORTS_LAST_CID).control;
  assert.ok(last < 0xffff_ffff, `${last}`);
  assert.ok(VM_PORT_BASE + VM_PORTS_FIRST_CID * 4 > RELAY_FORWARD_PORT);
  assert.equal(portBlockOwner(last + 1), undefined);
  assert.equal(portBlockOwner(0xffff_ffff), undefined);
  assert.equal(portBlockOwner(VM_PORT_BASE + 2 * 4), undefined, "CID 2");
});

Deno.test("CIDs without a block are refused", () => {
  for (const cid of [0, 1, 2, VM_PORTS_LAST_CID + 1, 100.5, NaN, -3]) {
    assert.equal(hasPortBlock(cid), false);
    assert.throws(() => vmServicePorts(cid), RangeError);
  }
});
