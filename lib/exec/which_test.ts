import assert from "node:assert/strict";
import { join } from "node:path";
import {
  findExecutable,
  MissingProgramError,
  requireExecutable,
} from "./which.ts";

Deno.test("findExecutable finds executable files on PATH, not plain ones", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "tool"), "#!/bin/sh\n", { mode: 0o755 });
    await Deno.writeTextFile(join(dir, "data"), "", { mode: 0o644 });
    const path = `/nonexistent:${dir}`;
    assert.equal(await findExecutable("tool", path), join(dir, "tool"));
    assert.equal(await findExecutable("data", path), undefined);
    assert.equal(await findExecutable("absent", path), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("requireExecutable names what needs the missing program and where the fix is", async () => {
  await assert.rejects(
    requireExecutable("no-such-program", {
      path: "/nonexistent",
      neededBy: "persist: home",
    }),
    (error: Error) =>
      error instanceof MissingProgramError &&
      error.message.startsWith("persist: home needs no-such-program") &&
      error.message.includes("qubesify doctor"),
  );
});
