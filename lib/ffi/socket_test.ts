import assert from "node:assert/strict";
import { join } from "node:path";
import { openFdApi } from "./fd.ts";
import { LibcError } from "./library.ts";
import { VMADDR_CID_ANY, VMADDR_PORT_ANY } from "./sockaddr.ts";
import { openSocketApi, SHUT_WR } from "./socket.ts";

Deno.test("unix sockets: listen, connect, accept, addresses, half-close", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-socket-test-" });
  using sockets = openSocketApi();
  using fds = openFdApi();
  const path = join(dir, "s");
  const listener = sockets.socket("unix", { nonblocking: true });
  const client = sockets.socket("unix");
  let server: number | undefined;
  try {
    sockets.bind(listener, { family: "unix", path });
    sockets.listen(listener, 4);
    assert.deepEqual(sockets.localAddress(listener), { family: "unix", path });
    assert.equal(sockets.accept(listener), undefined, "nothing waiting yet");
    assert.equal(
      sockets.connect(client, { family: "unix", path }),
      "connected",
    );
    const accepted = sockets.accept(listener, { nonblocking: true });
    assert.ok(accepted);
    server = accepted.fd;
    assert.deepEqual(accepted.peer, { family: "unix", path: "" });
    assert.deepEqual(sockets.peerAddress(client), { family: "unix", path });
    assert.equal(sockets.pendingError(client), 0);

    assert.equal(fds.write(client, new TextEncoder().encode("ping")), 4);
    sockets.shutdown(client, SHUT_WR);
    const buffer = new Uint8Array(16);
    assert.equal(fds.read(server, buffer), 4);
    assert.equal(new TextDecoder().decode(buffer.subarray(0, 4)), "ping");
    assert.equal(fds.read(server, buffer), 0, "end of file after SHUT_WR");
    // The other direction still works after the client's half-close.
    assert.equal(fds.write(server, new TextEncoder().encode("pong")), 4);
    assert.equal(fds.read(client, buffer), 4);
    fds.setNonblocking(client, true);
    assert.equal(fds.read(client, buffer), undefined, "EAGAIN is undefined");
  } finally {
    for (const fd of [listener, client, server]) {
      if (fd !== undefined) fds.close(fd);
    }
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("unix sockets: errors carry the errno name and the address", () => {
  using sockets = openSocketApi();
  using fds = openFdApi();
  const fd = sockets.socket("unix");
  try {
    assert.throws(
      () => sockets.connect(fd, { family: "unix", path: "/nonexistent/s" }),
      (e: unknown) => e instanceof LibcError && e.code === "ENOENT",
    );
    assert.throws(
      () => sockets.connect(fd, { family: "unix", path: "/nonexistent/s" }),
      /connect unix:\/nonexistent\/s failed: ENOENT/,
    );
  } finally {
    fds.close(fd);
  }
  assert.throws(
    () => fds.close(fd),
    (e: unknown) => e instanceof LibcError && e.code === "EBADF",
  );
});

Deno.test("vsock: socket, bind to any port, listen and getsockname through FFI", () => {
  using sockets = openSocketApi();
  using fds = openFdApi();
  const fd = sockets.socket("vsock", { nonblocking: true });
  try {
    sockets.bind(fd, {
      family: "vsock",
      cid: VMADDR_CID_ANY,
      port: VMADDR_PORT_ANY,
    });
    sockets.listen(fd, 16);
    const local = sockets.localAddress(fd);
    assert.equal(local.family, "vsock");
    if (local.family !== "vsock") return;
    assert.ok(
      local.port > 0 && local.port !== VMADDR_PORT_ANY,
      `port ${local.port}`,
    );
    assert.equal(sockets.accept(fd), undefined, "no guest connects here");
    // A second socket on the same port is refused with the errno's name.
    const second = sockets.socket("vsock");
    try {
      assert.throws(
        () =>
          sockets.bind(second, {
            family: "vsock",
            cid: VMADDR_CID_ANY,
            port: local.port,
          }),
        (e: unknown) => e instanceof LibcError && e.code === "EADDRINUSE",
      );
    } finally {
      fds.close(second);
    }
  } finally {
    fds.close(fd);
  }
});
