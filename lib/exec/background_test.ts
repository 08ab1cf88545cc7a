import assert from "node:assert/strict";
import { join } from "node:path";
import { isProcessAlive } from "./proc.ts";
import { BackgroundStartError, startBackground } from "./background.ts";

Deno.test("a background program runs until its owner stops it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-background-" });
  try {
    const marker = join(dir, "ready");
    const program = await startBackground({
      program: "sh",
      args: ["-c", `touch "$1"; exec sleep 30`, "sh", marker],
      ready: () => Deno.stat(marker).then(() => true, () => false),
    });
    assert.ok(await isProcessAlive(program.pid));
    await program.stop();
    assert.equal(await isProcessAlive(program.pid), false);
    await program.stop(); // stopping twice is harmless
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a program that exits before it is ready is reported with its words", async () => {
  await assert.rejects(
    () =>
      startBackground({
        program: "sh",
        args: ["-c", "echo 'no display here' >&2; exit 3"],
        ready: () => Promise.resolve(false),
      }),
    (error) =>
      error instanceof BackgroundStartError &&
      error.message ===
        "sh did not start: it exited with status 3: no display here",
  );
});

Deno.test("a program that never gets ready is stopped, not left running", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-background-" });
  try {
    const pidFile = join(dir, "pid");
    await assert.rejects(
      () =>
        startBackground({
          program: "sh",
          args: ["-c", `echo $$ > "$1"; exec sleep 30`, "sh", pidFile],
          ready: () => Promise.resolve(false),
          readyTimeoutMs: 300,
        }),
      (error) =>
        error instanceof BackgroundStartError &&
        error.message.startsWith("sh did not start: not ready after 300 ms"),
    );
    const pid = Number(await Deno.readTextFile(pidFile));
    assert.equal(await isProcessAlive(pid), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
