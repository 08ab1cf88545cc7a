import assert from "node:assert/strict";
import { errorMessage } from "./error_message.ts";
import { QubesifyError } from "./qubesify_error.ts";

Deno.test("errorMessage takes an Error's message and anything else as text", () => {
  assert.deepEqual(errorMessage(new RangeError("too big")), "too big");
  assert.deepEqual(errorMessage(42), "42");
  assert.deepEqual(errorMessage(undefined), "undefined");
});

Deno.test("a QubesifyError subclass keeps its own name and its cause", () => {
  class DiskFullError extends QubesifyError {}
  const cause = new Error("ENOSPC");
  const error = new DiskFullError("the disk is full", { cause });
  assert.ok(error instanceof QubesifyError);
  assert.deepEqual(error.name, "DiskFullError");
  assert.deepEqual(error.cause, cause);
});
