import assert from "node:assert/strict";
import { parseControlReport } from "./control_report.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("exit and fail reports are read", () => {
  assert.deepEqual(parseControlReport(bytes("exit 3\n")), {
    kind: "exit",
    status: 3,
  });
  assert.deepEqual(parseControlReport(bytes("exit 0\n")), {
    kind: "exit",
    status: 0,
  });
  assert.deepEqual(parseControlReport(bytes("fail no launch spec\n")), {
    kind: "fail",
    reason: "no launch spec",
  });
});

Deno.test("anything else from the guest is ignored", () => {
  for (
    const junk of [
      "",
      "exit 256\n",
      "exit -1\n",
      "exit 3 extra\n",
      " exit 3\n",
      "fail \x1b[31mred\n",
      "x".repeat(5000) + "\nexit 1\n",
      "\xff\xfe",
    ]
  ) {
    assert.deepEqual(
      parseControlReport(bytes(junk)),
      { kind: "none" },
      JSON.stringify(junk),
    );
  }
});
