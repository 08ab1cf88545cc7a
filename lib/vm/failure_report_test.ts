import assert from "node:assert/strict";
import { describeFailure } from "./failure_report.ts";

Deno.test("describeFailure: the guest's reason, then its console with escapes defused", () => {
  const text = describeFailure({
    name: "smoke-1",
    report: { kind: "fail", reason: "no such command: nope" },
    qemuStderr: "",
    serialTail: "booting\n\x1b]0;owned\x07done",
  });
  assert.match(
    text,
    /^smoke-1: the guest could not start the app: no such command: nope\n--- console ---\nbooting\n/,
  );
  assert.ok(!text.includes("\x1b"), "no escape reaches the terminal");
});

Deno.test("describeFailure: a VM that never reported names QEMU's words", () => {
  const text = describeFailure({
    name: "smoke-2",
    report: { kind: "none" },
    qemuStderr: "qemu: could not open disk",
    serialTail: "",
  });
  assert.match(
    text,
    /the VM ended without reporting \(qemu: could not open disk\)/,
  );
});
