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

Deno.test("stopping a program stops what it forked, even what holds its stderr", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-background-" });
  try {
    const ready = join(dir, "ready");
    const forked = join(dir, "forked");
    const program = await startBackground({
      program: "sh",
      args: [
        "-c",
        // The forked sleep ignores TERM, like a waypipe connection process
        // that outlives its parent, and keeps stderr open.
        `(trap '' TERM; exec sleep 30) & echo $! > "$1"; touch "$2"; exec sleep 30`,
        "sh",
        forked,
        ready,
      ],
      ready: () => Deno.stat(ready).then(() => true, () => false),
      stopGraceMs: 200,
    });
    const forkedPid = Number(await Deno.readTextFile(forked));
    assert.ok(await isProcessAlive(forkedPid));
    await program.stop();
    // Killed, then reaped by init: a zombie answers kill -0 for a moment.
    let alive = true;
    for (let i = 0; i < 50 && alive; i++) {
      alive = await isProcessAlive(forkedPid);
      if (alive) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(alive, false, "the forked process is gone");
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
