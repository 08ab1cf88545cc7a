import assert from "node:assert/strict";
import { vmServicePorts } from "../guest/mod.ts";
import { decideAccess, serviceOfPort, type VmAccess } from "./policy.ts";

const VMS: VmAccess[] = [
  {
    name: "work",
    cid: 5,
    services: {
      wayland: "/run/q/work/wayland.sock",
      audio: "/run/pulse/native",
    },
  },
  { name: "dev", cid: 6, services: { egress: "/run/q/egress.sock" } },
];

Deno.test("policy: a VM reaches exactly the services in its record", () => {
  assert.deepEqual(decideAccess({ cid: 5, port: 7000 }, VMS), {
    allow: true,
    vm: "work",
    service: "wayland",
    path: "/run/q/work/wayland.sock",
  });
  assert.deepEqual(decideAccess({ cid: 5, port: 7001 }, VMS), {
    allow: true,
    vm: "work",
    service: "audio",
    path: "/run/pulse/native",
  });
  assert.deepEqual(decideAccess({ cid: 5, port: 7002 }, VMS), {
    allow: false,
    reason: "VM work may not use egress",
    vm: "work",
    service: "egress",
  });
  assert.equal(decideAccess({ cid: 6, port: 7002 }, VMS).allow, true);
  assert.equal(decideAccess({ cid: 6, port: 7000 }, VMS).allow, false);
});

Deno.test("policy: unknown CIDs and ports are denied", () => {
  assert.deepEqual(decideAccess({ cid: 7, port: 7000 }, VMS), {
    allow: false,
    reason: "unknown CID 7",
    service: "wayland",
  });
  assert.deepEqual(decideAccess({ cid: 2, port: 7000 }, VMS).allow, false);
  assert.deepEqual(decideAccess({ cid: 5, port: 22 }, VMS), {
    allow: false,
    reason: "port 22 is no qubesify service",
  });
  assert.equal(decideAccess({ cid: 5, port: 7000 }, []).allow, false);
});

Deno.test("policy: a CID claimed by two VMs is trusted for neither", () => {
  const decision = decideAccess({ cid: 5, port: 7000 }, [
    ...VMS,
    { name: "impostor", cid: 5, services: { wayland: "/tmp/evil.sock" } },
  ]);
  assert.equal(decision.allow, false);
  assert.match(
    decision.allow ? "" : decision.reason,
    /claimed by several VMs \(work, impostor\)/,
  );
});

Deno.test("policy: service ports follow SERVICE_PORTS", () => {
  assert.equal(serviceOfPort(7000), "wayland");
  assert.equal(serviceOfPort(7001), "audio");
  assert.equal(serviceOfPort(7002), "egress");
  assert.equal(serviceOfPort(7003), "control");
  assert.equal(serviceOfPort(7004), undefined);
});

Deno.test("policy: a VM reaches its services on its own port block", () => {
  const work = vmServicePorts(5);
  assert.deepEqual(decideAccess({ cid: 5, port: work.audio }, VMS), {
    allow: true,
    vm: "work",
    service: "audio",
    path: "/run/pulse/native",
  });
  assert.equal(serviceOfPort(work.control), "control");
});

Deno.test("policy: another CID dialling a VM's port block is refused", () => {
  const work = vmServicePorts(5);
  // CID 6 is known and may use egress, but not on CID 5's ports.
  assert.deepEqual(decideAccess({ cid: 6, port: work.egress }, VMS), {
    allow: false,
    reason: `port ${work.egress} is CID 5's, not CID 6's`,
    service: "egress",
  });
  assert.equal(
    decideAccess({ cid: 7, port: work.wayland }, VMS).allow,
    false,
  );
});
