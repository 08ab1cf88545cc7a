import assert from "node:assert/strict";
import { join } from "node:path";
import { startVsockBackend } from "./backend.ts";
import {
  DEVICE_FEATURES,
  DEVICE_PROTOCOL_FEATURES,
} from "./vhost_user_device.ts";
import {
  decodeHeader,
  VHOST_USER_HEADER_SIZE,
  VHOST_USER_VERSION,
  VhostUserRequest as R,
} from "./vhost_user_message.ts";

/** One request from a stand-in for QEMU; the reply's payload. */
async function ask(
  conn: Deno.UnixConn,
  request: number,
  payload = new Uint8Array(0),
): Promise<DataView> {
  const message = new Uint8Array(VHOST_USER_HEADER_SIZE + payload.length);
  const view = new DataView(message.buffer);
  view.setUint32(0, request, true);
  view.setUint32(4, VHOST_USER_VERSION, true);
  view.setUint32(8, payload.length, true);
  message.set(payload, VHOST_USER_HEADER_SIZE);
  await conn.write(message);
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
