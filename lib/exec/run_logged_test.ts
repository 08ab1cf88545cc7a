import assert from "node:assert/strict";
import { join } from "node:path";
import { runLogged } from "./run_logged.ts";

async function withLog(
  fn: (log: Deno.FsFile, path: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "build.log");
  try {
    using log = await Deno.open(path, { write: true, create: true });
    await fn(log, path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("runLogged sends both streams to the log and lines to onLine", async () => {
  await withLog(async (log, path) => {
    const lines: string[] = [];
    const echoed: Uint8Array[] = [];
    const code = await runLogged({
      program: "sh",
      args: ["-c", "echo '  CC a.o'; echo oops >&2; printf '  CC b.o'; exit 3"],
      log,
      echo: (bytes) => echoed.push(bytes),
      onLine: (line) => lines.push(line),
    });
    assert.equal(code, 3);
    // Both streams give lines (mmdebstrap reports on stderr); their
    // interleaving is up to the scheduler.
    assert.deepEqual(lines.sort(), ["  CC a.o", "  CC b.o", "oops"]);
    const text = await Deno.readTextFile(path);
    assert.ok(text.includes("  CC a.o") && text.includes("oops"));
    assert.ok(echoed.length > 0);
  });
});

Deno.test("aborting runLogged stops the program before it rejects", async () => {
  await withLog(async (log) => {
    const controller = new AbortController();
    const started = performance.now();
    let pid = "";
    const run = runLogged({
      program: "sh",
      args: ["-c", "echo $$; exec sleep 60"],
      log,
      onLine: (line) => {
        pid = line;
        controller.abort();
      },
      signal: controller.signal,
    });
    await assert.rejects(run, (error) => error === controller.signal.reason);
    assert.ok(performance.now() - started < 10_000);
    await assert.rejects(Deno.stat(`/proc/${pid}`), Deno.errors.NotFound);
  });
});

Deno.test("runLogged does not start when already aborted", async () => {
  await withLog(async (log) => {
    await assert.rejects(
      runLogged({
        program: "true",
        args: [],
        log,
        signal: AbortSignal.abort(new Error("stopped before the start")),
      }),
      /stopped before the start/,
    );
  });
});
