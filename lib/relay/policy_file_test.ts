import assert from "node:assert/strict";
import { parsePolicy, PolicyFileError, readPolicyFile } from "./policy_file.ts";

Deno.test("policy file: VMs with their services", () => {
  const vms = parsePolicy(
    `vms:
  - name: work
    cid: 5
    services:
      wayland: /run/w.sock
      audio: /run/pulse/native
  - name: dev
    cid: 6
    services: {}
`,
    "p.yaml",
  );
  assert.deepEqual(vms, [
    {
      name: "work",
      cid: 5,
      services: { wayland: "/run/w.sock", audio: "/run/pulse/native" },
    },
    { name: "dev", cid: 6, services: {} },
  ]);
});

Deno.test("policy file: mistakes name the file, the place and the fix", () => {
  const cases: [string, RegExp][] = [
    ["vms: [", /^p\.yaml:1:\d+: /],
    [
      "vms:\n  - name: a\n    cid: 2\n    services: {}\n",
      /vms\[0\]\.cid: must be a guest CID/,
    ],
    [
      "vms:\n  - name: a\n    cid: 3\n    services: {wayland: rel.sock}\n",
      /vms\[0\]\.services\.wayland: must be an absolute socket path/,
    ],
    [
      "vms:\n  - name: a\n    cid: 3\n    services: {ssh: /x}\n",
      /vms\[0\]\.services: .*ssh/,
    ],
    ["vm: []\n", /p\.yaml: /],
    [
      "vms:\n  - {name: a, cid: 3, services: {}}\n  - {name: b, cid: 3, services: {}}\n",
      /vms\[1\]\.cid: CID 3 is listed twice/,
    ],
    [
      "vms:\n  - {name: a, cid: 3, services: {}}\n  - {name: a, cid: 4, services: {}}\n",
      /vms\[1\]\.name: a is listed twice/,
    ],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parsePolicy(text, "p.yaml"),
      (e: unknown) => e instanceof PolicyFileError && message.test(e.message),
      `${JSON.stringify(text)} should fail with ${message}`,
    );
  }
});

Deno.test("policy file: a missing file says so", async () => {
  await assert.rejects(
    () => readPolicyFile("/nonexistent/policy.yaml"),
    /\/nonexistent\/policy\.yaml: no such policy file/,
  );
});
