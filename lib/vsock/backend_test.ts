import assert from "node:assert/strict";
import { join } from "node:path";
import { writeAll } from "../io/mod.ts";
import { type BackendEvent, startVsockBackend } from "./backend.ts";
import {
  DEVICE_FEATURES,
  DEVICE_PROTOCOL_FEATURES,
} from "./vhost_user_device.ts";
import {
  decodeHeader,
  VHOST_USER_HEADER_SIZE,
  VHOST_USER_MAX_PAYLOAD,
  VHOST_USER_NEED_REPLY_FLAG,
  VHOST_USER_VERSION,
  VhostUserRequest as R,
} from "./vhost_user_message.ts";

/** One request from a stand-in for QEMU; the reply's payload. */
async function ask(
  conn: Deno.UnixConn,
  request: number,
  payload = new Uint8Array(0),
  flags = VHOST_USER_VERSION,
): Promise<DataView> {
  const message = new Uint8Array(VHOST_USER_HEADER_SIZE + payload.length);
  const view = new DataView(message.buffer);
  view.setUint32(0, request, true);
  view.setUint32(4, flags, true);
  view.setUint32(8, payload.length, true);
  message.set(payload, VHOST_USER_HEADER_SIZE);
  await writeAll(conn, message);
  const header = new Uint8Array(VHOST_USER_HEADER_SIZE);
  await readFull(conn, header);
  const decoded = decodeHeader(header);
  assert.equal(decoded.request, request);
  const body = new Uint8Array(decoded.size);
  await readFull(conn, body);
  return new DataView(body.buffer);
}

async function readFull(conn: Deno.UnixConn, into: Uint8Array): Promise<void> {
  for (let at = 0; at < into.length;) {
    const count = await conn.read(into.subarray(at));
    if (count === null) throw new Error("back-end closed the connection");
    at += count;
  }
}

Deno.test("back-end: QEMU's first questions answered, one front-end only, ends with it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-vsock-backend-" });
  const socketPath = join(dir, "vsock.sock");
  try {
    const events: string[] = [];
    const backend = await startVsockBackend({
      socketPath,
      guestCid: 1234,
      services: new Map([[7000, join(dir, "wayland.sock")]]),
      onEvent: (event) => events.push(event.kind),
    });
    const conn = await Deno.connect({ transport: "unix", path: socketPath });
    try {
      assert.equal(
        (await ask(conn, R.GET_FEATURES)).getBigUint64(0, true),
        DEVICE_FEATURES,
      );
      assert.equal(
        (await ask(conn, R.GET_PROTOCOL_FEATURES)).getBigUint64(0, true),
        DEVICE_PROTOCOL_FEATURES,
      );
      const config = new Uint8Array(12 + 8);
      new DataView(config.buffer).setUint32(4, 8, true);
      const reply = await ask(conn, R.GET_CONFIG, config);
      assert.equal(reply.getBigUint64(12, true), 1234n, "the guest CID");
      // The socket file is gone: nobody else can speak for this VM.
      await assert.rejects(
        () => Deno.connect({ transport: "unix", path: socketPath }),
        Deno.errors.NotFound,
      );
      assert.deepEqual(events, ["qemu-connected"]);
    } finally {
      conn.close();
    }
    assert.equal(await backend.ended, "QEMU disconnected");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("back-end: close() stops it before QEMU comes; bad options are refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-vsock-backend-" });
  const socketPath = join(dir, "vsock.sock");
  try {
    const backend = await startVsockBackend({
      socketPath,
      connectPath: join(dir, "vsock.connect"),
      guestCid: 3,
      services: new Map(),
    });
    assert.ok((await Deno.stat(socketPath)).isSocket);
    await backend.close();
    assert.equal(await backend.ended, "stopped");
    for (const left of [socketPath, join(dir, "vsock.connect")]) {
      await assert.rejects(() => Deno.stat(left), Deno.errors.NotFound);
    }

    await Deno.writeTextFile(socketPath, "in the way");
    await assert.rejects(
      () => startVsockBackend({ socketPath, guestCid: 3, services: new Map() }),
      /bind unix:.*vsock\.sock failed: EADDRINUSE/,
    );
    await assert.rejects(
      () => startVsockBackend({ socketPath, guestCid: 2, services: new Map() }),
      /guest CID must be an integer from 3/,
    );
    await assert.rejects(
      () =>
        startVsockBackend({
          socketPath,
          guestCid: 3,
          services: new Map([[-1, "/x"]]),
        }),
      /service port -1/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("back-end: QEMU's refused messages are answered, and the back-end goes on", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-vsock-backend-" });
  const socketPath = join(dir, "vsock.sock");
  try {
    const events: BackendEvent[] = [];
    const backend = await startVsockBackend({
      socketPath,
      guestCid: 1234,
      services: new Map(),
      onEvent: (event) => events.push(event),
    });
    const conn = await Deno.connect({ transport: "unix", path: socketPath });
    try {
      const needReply = VHOST_USER_VERSION | VHOST_USER_NEED_REPLY_FLAG;
      const features = new Uint8Array(8);
      new DataView(features.buffer).setBigUint64(
        0,
        DEVICE_PROTOCOL_FEATURES,
        true,
      );
      await ask(conn, R.SET_PROTOCOL_FEATURES, features, needReply);
      // An unknown request, and one whose payload is over the limit.
      assert.equal(
        (await ask(conn, 99, new Uint8Array(0), needReply))
          .getBigUint64(0, true),
        1n,
      );
      const big = new Uint8Array(VHOST_USER_MAX_PAYLOAD * 40);
      assert.equal(
        (await ask(conn, R.SET_MEM_TABLE, big, needReply))
          .getBigUint64(0, true),
        1n,
      );
      // A config read bigger than the config space: an empty answer.
      const config = new Uint8Array(12);
      new DataView(config.buffer).setUint32(4, 1 << 24, true);
      assert.equal((await ask(conn, R.GET_CONFIG, config)).byteLength, 0);
      // Still answering, in step.
      assert.equal(
        (await ask(conn, R.GET_FEATURES)).getBigUint64(0, true),
        DEVICE_FEATURES,
      );
      await eventually(() => events.length >= 4);
      assert.deepEqual(
        events.map((e) => e.kind),
        ["qemu-connected", "device-error", "device-error", "device-error"],
      );
      assert.match(
        (events[2] as { reason: string }).reason,
        /SET_MEM_TABLE refused: .*163840 bytes is over 4096/,
      );
    } finally {
      conn.close();
    }
    assert.equal(await backend.ended, "QEMU disconnected");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("back-end: a flood of refusals reaches the main thread as a count", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-vsock-backend-" });
  const socketPath = join(dir, "vsock.sock");
  try {
    const events: BackendEvent[] = [];
    const backend = await startVsockBackend({
      socketPath,
      guestCid: 1234,
      services: new Map(),
      onEvent: (event) => events.push(event),
    });
    const conn = await Deno.connect({ transport: "unix", path: socketPath });
    const flood = 2000;
    try {
      // Unknown requests that ask for no reply, then one that answers
      // once they have all been read.
      const unknown = new Uint8Array(VHOST_USER_HEADER_SIZE);
      const view = new DataView(unknown.buffer);
      view.setUint32(0, 99, true);
      view.setUint32(4, VHOST_USER_VERSION, true);
      const all = new Uint8Array(flood * unknown.length);
      for (let i = 0; i < flood; i++) all.set(unknown, i * unknown.length);
      await writeAll(conn, all);
      await ask(conn, R.GET_FEATURES);
    } finally {
      conn.close();
    }
    assert.equal(await backend.ended, "QEMU disconnected");
    await eventually(() => events.at(-1)?.kind === "suppressed");
    const passed = events.filter((e) => e.kind === "device-error").length;
    const counted = events.reduce(
      (sum, e) =>
        sum + (e.kind === "suppressed" ? e.counts["device-error"] ?? 0 : 0),
      0,
    );
    // 100 a second pass: a slow machine may see a second window.
    assert.ok(passed < 200, `${passed} events passed`);
    assert.equal(passed + counted, flood, "every one counted");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Waits (up to 5 s) for `condition`: events cross threads. */
async function eventually(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 5000) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
