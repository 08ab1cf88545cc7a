import assert from "node:assert/strict";
import {
  EPOLLHUP,
  EPOLLIN,
  EPOLLOUT,
  EPOLLRDHUP,
  openFdApi,
  openSocketApi,
  openSpliceApi,
  SHUT_WR,
} from "../ffi/mod.ts";
import { RelayConnection, type RelayIo } from "./relay_connection.ts";
import { tempDir } from "./_test_sockets.ts";

const text = (line: string) => new TextEncoder().encode(line);

/**
 * A client connected to a listener, its accepted end given to a
 * connection, and an upstream listener to route it to; epoll is played by
 * the test, through `notice`.
 */
async function setUp(prefixLength = 0) {
  const dir = await tempDir();
  const fds = openFdApi();
  const sockets = openSocketApi();
  const splice = openSpliceApi();
  const io: RelayIo = { fds, sockets, splice, pipeSize: 64 * 1024 };
  const opened: number[] = [];
  const listen = (name: string) => {
    const fd = sockets.socket("unix", { nonblocking: true });
    opened.push(fd);
    sockets.bind(fd, { family: "unix", path: dir.join(name) });
    sockets.listen(fd, 4);
    return fd;
  };
  const relayListener = listen("relay");
  const upstreamListener = listen("upstream");
  const client = sockets.socket("unix", { nonblocking: true });
  opened.push(client);
  sockets.connect(client, { family: "unix", path: dir.join("relay") });
  const accepted = sockets.accept(relayListener, { nonblocking: true })!;
  const connection = new RelayConnection(io, {
    id: 1,
    listener: 0,
    peer: accepted.peer,
    fd: accepted.fd,
    prefixLength,
  });
  const read = (fd: number) => {
    const buffer = new Uint8Array(4096);
    const count = fds.read(fd, buffer);
    return count === undefined ? undefined : buffer.subarray(0, count);
  };
  return {
    connection,
    client,
    sockets,
    fds,
    read,
    /** Routes upstream and accepts there; the server's fd. */
    route(send?: Uint8Array): number {
      const watched: number[] = [];
      connection.route(
        { family: "unix", path: dir.join("upstream") },
        send,
        (fd) => watched.push(fd),
      );
      assert.equal(watched.length, 1, "watched before connecting");
      const server = sockets.accept(upstreamListener, { nonblocking: true })!;
      opened.push(server.fd);
      return server.fd;
    },
    async [Symbol.asyncDispose]() {
      for (const fd of [...opened, ...connection.fds()]) fds.close(fd);
      fds[Symbol.dispose]();
      sockets[Symbol.dispose]();
      splice[Symbol.dispose]();
      await dir[Symbol.asyncDispose]();
    },
  };
}

Deno.test("relay connection: header first, then bytes both ways, half-close, done", async () => {
  await using t = await setUp();
  const { connection, client, fds, read } = t;
  assert.equal(connection.phase, "pending");
  assert.equal(connection.step(), "waiting", "the engine decides first");
  const server = t.route(text("HDR"));
  assert.match(connection.target!, /^unix:.*\/upstream$/);
  fds.write(client, text("ping"));
  connection.notice(true, EPOLLOUT);
  assert.equal(connection.step(), "waiting");
  assert.equal(connection.phase, "relaying");
  assert.deepEqual(read(server), text("HDRping"));

  // The client is done sending: its end of file reaches the server.
  t.sockets.shutdown(client, SHUT_WR);
  connection.notice(false, EPOLLIN | EPOLLRDHUP);
  assert.equal(connection.step(), "waiting");
  assert.deepEqual(read(server), new Uint8Array(0), "end of file upstream");

  // The server answers and leaves: both directions are over.
  fds.write(server, text("pong"));
  t.sockets.shutdown(server, SHUT_WR);
  connection.notice(true, EPOLLIN | EPOLLRDHUP);
  assert.equal(connection.step(), "done");
  assert.deepEqual(read(client), text("pong"));
  assert.deepEqual(read(client), new Uint8Array(0));
  assert.equal(connection.bytesUp, 4);
  assert.equal(connection.bytesDown, 4);
  assert.equal(connection.fds().length, 6, "two sockets, two pipes");
});

Deno.test("relay connection: a prefix is read in pieces before the engine hears of it", async () => {
  await using t = await setUp(4);
  const { connection, client, fds } = t;
  assert.equal(connection.phase, "prefix");
  assert.equal(connection.step(), "waiting");
  fds.write(client, text("ab"));
  connection.notice(false, EPOLLIN);
  assert.equal(connection.step(), "waiting");
  fds.write(client, text("cdrest"));
  connection.notice(false, EPOLLIN);
  assert.equal(connection.step(), "prefix-read");
  assert.deepEqual(connection.prefix, text("abcd"));
  assert.equal(connection.phase, "pending");
  // What follows the prefix is the stream's, relayed once routed.
  const server = t.route();
  connection.notice(true, EPOLLOUT);
  connection.step();
  assert.deepEqual(t.read(server), text("rest"));
});

Deno.test("relay connection: a client gone mid-prefix, or a hung-up peer, end it", async () => {
  await using t = await setUp(4);
  t.fds.write(t.client, text("ab"));
  t.sockets.shutdown(t.client, SHUT_WR);
  t.connection.notice(false, EPOLLIN | EPOLLRDHUP);
  assert.throws(() => t.connection.step(), /closed after 2 of 4 header bytes/);

  await using u = await setUp();
  u.route();
  u.connection.notice(true, EPOLLOUT);
  u.connection.step();
  // The client hangs up entirely: nothing more can go to it, and its end
  // of file ends the other direction.
  u.connection.notice(false, EPOLLIN | EPOLLHUP);
  u.sockets.shutdown(u.client, SHUT_WR);
  assert.equal(u.connection.step(), "done");
});
