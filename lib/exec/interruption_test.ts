import assert from "node:assert/strict";
import { InterruptedError, withInterruption } from "./interruption.ts";

Deno.test("withInterruption: the operation's result passes through", async () => {
  assert.equal(await withInterruption(() => Promise.resolve(7)), 7);
});

Deno.test("withInterruption: a signal to the process aborts it inside a Worker", async () => {
  // Commands run in a fenced Worker: the signal must reach them there.
  const worker = new Worker(
    new URL("./_test_interruption_worker.ts", import.meta.url),
    { type: "module" },
  );
  try {
    const messages: string[] = [];
    let wake = () => {};
    worker.onmessage = (event) => {
      messages.push(event.data);
      wake();
    };
    const next = async () => {
      while (!messages.length) await new Promise<void>((r) => wake = r);
      return messages.shift();
    };
    worker.postMessage("start");
    assert.equal(await next(), "ready");
    // SIGTERM rather than SIGINT: the test runner takes Ctrl-C itself.
    Deno.kill(Deno.pid, "SIGTERM");
    assert.equal(await next(), new InterruptedError("").name);
  } finally {
    worker.terminate();
  }
});
