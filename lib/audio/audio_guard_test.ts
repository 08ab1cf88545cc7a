import assert from "node:assert/strict";
import { join } from "node:path";
import {
  AudioGuardError,
  MAX_CONNECTIONS,
  startAudioGuard,
} from "./audio_guard.ts";
import { COMMAND, ERR_ACCESS } from "./commands.ts";
import { DESCRIPTOR_SIZE, encodeFrame, readDescriptor } from "./frame.ts";
import { CLIENT_MAX_FRAME } from "./guarded_connection.ts";
import { TagReader, TagWriter } from "./tagstruct.ts";

/** A stand-in sound server: it keeps every connection it accepts. */
function fakeServer(path: string) {
  const listener = Deno.listen({ transport: "unix", path });
  const accepted: Deno.Conn[] = [];
  const waiters: ((conn: Deno.Conn) => void)[] = [];
  let taken = 0;
  (async () => {
    for await (const conn of listener) {
      accepted.push(conn);
      waiters.shift()?.(conn);
    }
  })();
  return {
    /** The next connection not yet taken, once it is accepted. */
    next: (): Promise<Deno.Conn> =>
      taken < accepted.length
        ? Promise.resolve(accepted[taken++])
        : new Promise((resolve) =>
          waiters.push((conn) => {
            taken++;
            resolve(conn);
          })
        ),
    accepted,
    [Symbol.dispose]() {
      listener.close();
      for (const conn of accepted) {
        try {
          conn.close();
        } catch {
          // The guard closed it first.
        }
      }
    },
  };
}

async function readExactly(
  conn: Deno.Conn,
  length: number,
): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  let offset = 0;
  while (offset < length) {
    const count = await conn.read(bytes.subarray(offset));
    if (count === null) {
      throw new Error(`EOF after ${offset} of ${length} bytes`);
    }
    offset += count;
  }
  return bytes;
}

async function readFrame(conn: Deno.Conn): Promise<Uint8Array> {
  const head = await readExactly(conn, DESCRIPTOR_SIZE);
  const payload = await readExactly(conn, readDescriptor(head).length);
  return Uint8Array.of(...head, ...payload);
}

function packet(...words: number[]): Uint8Array {
  const writer = new TagWriter();
  for (const word of words) writer.u32(word);
  return encodeFrame({}, writer.bytes());
}

async function ended(conn: Deno.Conn): Promise<boolean> {
  return await conn.read(new Uint8Array(1)).catch(() => null) === null;
}

async function withFolder(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-audio-guard-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A guard of VM `demo` in `dir`, logging into `lines`, before `dir/server`. */
function startDemoGuard(
  dir: string,
  mode: "playback" | "duplex",
  lines: string[] = [],
  server = "server",
) {
  return startAudioGuard({
    listenPath: join(dir, "guard"),
    serverPath: join(dir, server),
    mode,
    vm: "demo",
    onLog: (line) => lines.push(line),
  });
}

Deno.test("audio guard: refuses with an access error, forwards the rest", async () => {
  await withFolder(async (dir) => {
    using server = fakeServer(join(dir, "server"));
    const lines: string[] = [];
    await using guard = await startDemoGuard(dir, "playback", lines);
    assert.equal((await Deno.stat(guard.path)).mode! & 0o777, 0o600);
    const client = await Deno.connect({ transport: "unix", path: guard.path });
    try {
      await client.write(packet(COMMAND.LOAD_MODULE, 3));
      await client.write(packet(COMMAND.GET_SERVER_INFO, 4));
      const refusal = new TagReader(
        (await readFrame(client)).subarray(DESCRIPTOR_SIZE),
      );
      assert.deepEqual(
        [refusal.u32(), refusal.u32(), refusal.u32()],
        [COMMAND.ERROR, 3, ERR_ACCESS],
      );
      const upstream = await server.next();
      assert.deepEqual(
        await readFrame(upstream),
        packet(COMMAND.GET_SERVER_INFO, 4),
      );
      const reply = packet(COMMAND.REPLY, 4, 1);
      await upstream.write(reply);
      assert.deepEqual(await readFrame(client), reply);
      assert.deepEqual(lines, [
        "audio demo: connection 1: refused LOAD_MODULE (tag 3): modules are the host's",
      ]);
    } finally {
      client.close();
    }
  });
});

Deno.test("audio guard: an oversized frame ends the connection", async () => {
  await withFolder(async (dir) => {
    using server = fakeServer(join(dir, "server"));
    const lines: string[] = [];
    await using guard = await startDemoGuard(dir, "duplex", lines);
    const client = await Deno.connect({ transport: "unix", path: guard.path });
    try {
      const head = new Uint8Array(DESCRIPTOR_SIZE);
      new DataView(head.buffer).setUint32(0, CLIENT_MAX_FRAME + 1);
      await client.write(head);
      assert.ok(await ended(client));
      assert.ok(await ended(await server.next()));
      assert.match(
        lines[0],
        /connection 1: closed: frame payload of 1048577 bytes/,
      );
    } finally {
      client.close();
    }
  });
});

Deno.test("audio guard: an unreachable server is logged, the client closed", async () => {
  await withFolder(async (dir) => {
    const lines: string[] = [];
    await using guard = await startDemoGuard(dir, "playback", lines, "missing");
    const client = await Deno.connect({ transport: "unix", path: guard.path });
    try {
      assert.ok(await ended(client));
      assert.match(lines[0], /the sound server at .*missing is unreachable/);
    } finally {
      client.close();
    }
  });
});

Deno.test("audio guard: connections past the cap are refused", async () => {
  await withFolder(async (dir) => {
    using server = fakeServer(join(dir, "server"));
    const lines: string[] = [];
    await using guard = await startDemoGuard(dir, "playback", lines);
    const clients: Deno.Conn[] = [];
    try {
      for (let i = 0; i < MAX_CONNECTIONS; i++) {
        clients.push(
          await Deno.connect({ transport: "unix", path: guard.path }),
        );
        await server.next();
      }
      const extra = await Deno.connect({ transport: "unix", path: guard.path });
      clients.push(extra);
      assert.ok(await ended(extra));
      assert.deepEqual(lines, [
        `audio demo: connection ${MAX_CONNECTIONS + 1} refused: ` +
        `already ${MAX_CONNECTIONS} open`,
      ]);
    } finally {
      for (const client of clients) client.close();
    }
  });
});

Deno.test("audio guard: closing ends connections and removes the socket", async () => {
  await withFolder(async (dir) => {
    using server = fakeServer(join(dir, "server"));
    const guard = await startDemoGuard(dir, "playback");
    const client = await Deno.connect({ transport: "unix", path: guard.path });
    try {
      await server.next();
      await guard.close();
      await guard.stopped;
      assert.ok(await ended(client));
      await assert.rejects(Deno.stat(guard.path), Deno.errors.NotFound);
      await guard.close();
    } finally {
      client.close();
    }
  });
});

Deno.test("audio guard: a path in use fails to start", async () => {
  await withFolder(async (dir) => {
    await Deno.writeTextFile(join(dir, "guard"), "");
    await assert.rejects(
      startAudioGuard({
        listenPath: join(dir, "guard"),
        serverPath: join(dir, "server"),
        mode: "playback",
        vm: "demo",
      }),
      AudioGuardError,
    );
  });
});
