import assert from "node:assert/strict";
import { hasPortBlock, vmServicePorts } from "../guest/mod.ts";
import { FIRST_CID, LAST_CID } from "./cid.ts";

Deno.test("every CID `run` may claim has its own vsock port block", () => {
  assert.ok(hasPortBlock(FIRST_CID), `${FIRST_CID}`);
  assert.ok(hasPortBlock(LAST_CID), `${LAST_CID}`);
  // Blocks are contiguous per CID, so the ends bound every block between.
  assert.ok(
    vmServicePorts(FIRST_CID).control < vmServicePorts(FIRST_CID + 1).wayland,
  );
});
