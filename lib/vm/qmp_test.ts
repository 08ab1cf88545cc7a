import assert from "node:assert/strict";
import { join } from "node:path";
import { QmpError, qmpQuit } from "./qmp.ts";

/** A stand-in QEMU: answers as `answer` says and records what it got. */
async function withFakeQmp(
  answer: (command: string) => string | undefined,
  test: (socket: string, received: string[]) => Promise<void>,
) {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-qmp-" });
  const socket = join(dir, "qmp.sock");
  const listener = Deno.listen({ transport: "unix", path: socket });
  const received: string[] = [];
  const serving = (async () => {
    const conn = await listener.accept();
    const encoder = new TextEncoder();
    await conn.write(encoder.encode(
      '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}}, "capabilities": []}}\n',
    ));
    const decoder = new TextDecoder();
    const buffer = new Uint8Array(1024);
    let pending = "";
    try {
      while (true) {
        const count = await conn.read(buffer);
        if (count === null) break;
        pending += decoder.decode(buffer.subarray(0, count));
        let newline;
        while ((newline = pending.indexOf("\n")) >= 0) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + 1);
          received.push(line);
          const reply = answer(JSON.parse(line).execute);
          if (reply === undefined) {
            conn.close();
            return;
          }
          await conn.write(encoder.encode(reply));
        }
      }
    } catch {
      // The client hung up.
    }
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  })();
  try {
    await test(socket, received);
  } finally {
    listener.close();
    await serving;
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("qmp quit: negotiates, skips events, sends quit", async () => {
  await withFakeQmp(
    (command) =>
      command === "quit"
        ? '{"timestamp": {"seconds": 1}, "event": "SHUTDOWN"}\n{"return": {}}\n'
        : '{"return": {}}\n',
    async (socket, received) => {
      await qmpQuit(socket);
      assert.deepEqual(received, [
        '{"execute":"qmp_capabilities"}',
        '{"execute":"quit"}',
      ]);
    },
  );
});

Deno.test("qmp quit: a refusal or a dropped connection is a QmpError", async () => {
  await withFakeQmp(
    () => '{"error": {"class": "GenericError", "desc": "nope"}}\n',
    async (socket) => {
      await assert.rejects(
        () => qmpQuit(socket),
        (error) =>
          error instanceof QmpError &&
          error.message === "QMP: qmp_capabilities refused: nope",
      );
    },
  );
  await withFakeQmp(() => undefined, async (socket) => {
    await assert.rejects(() => qmpQuit(socket), QmpError);
  });
});
