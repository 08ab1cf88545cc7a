import assert from "node:assert/strict";
import { join } from "node:path";
import { openEventFdApi } from "./eventfd.ts";
import {
  encodeRightsMessage,
  FD_PASSING_MAX_BYTES,
  openFdPassingApi,
  parseRightsMessages,
} from "./fd_passing.ts";
import { openFdApi } from "./fd.ts";
import { openSocketApi } from "./socket.ts";

Deno.test("SCM_RIGHTS control messages encode and parse", () => {
  const control = encodeRightsMessage([7, 9, 11]);
  // cmsg_len = 16 + 3*4 = 28, padded to 32.
  assert.equal(control.length, 32);
  const view = new DataView(control.buffer);
  assert.equal(view.getBigUint64(0, true), 28n);
  assert.equal(view.getInt32(8, true), 1);
  assert.equal(view.getInt32(12, true), 1);
  assert.deepEqual(parseRightsMessages(control, 28), [7, 9, 11]);
  assert.deepEqual(encodeRightsMessage([]), new Uint8Array(0));
  // A length running past the buffer is not trusted.
  view.setBigUint64(0, 400n, true);
  assert.deepEqual(parseRightsMessages(control, 32), []);
});

Deno.test("fds passed over a UNIX socket are live in the receiver", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-fdpass-test-" });
  using sockets = openSocketApi();
  using fds = openFdApi();
  using passing = openFdPassingApi();
  using events = openEventFdApi();
  const path = join(dir, "s");
  const listener = sockets.socket("unix");
  const client = sockets.socket("unix");
  const opened: number[] = [listener, client];
  try {
    sockets.bind(listener, { family: "unix", path });
    sockets.listen(listener, 1);
    sockets.connect(client, { family: "unix", path });
    const server = sockets.accept(listener)!.fd;
    opened.push(server);
    const sent = events.create();
    opened.push(sent);

    assert.equal(
      passing.send(client, new TextEncoder().encode("hello"), [sent]),
      5,
    );
    const into = new Uint8Array(5);
    const got = passing.receive(server, into, { waitAll: true });
    assert.ok(got);
    opened.push(...got.fds);
    assert.equal(got.length, 5);
    assert.equal(new TextDecoder().decode(into), "hello");
    assert.equal(got.fds.length, 1);
    assert.notEqual(got.fds[0], sent, "a new fd for the same eventfd");
    // Signalling the received fd is seen through the original one.
    assert.ok(events.signal(got.fds[0], 5n));
    assert.equal(events.drain(sent), 5n);
    assert.equal(events.drain(sent), undefined, "drained");

    // Large payloads are split by the caller; no fds: an empty control.
    const big = new Uint8Array(FD_PASSING_MAX_BYTES).map((_, i) => i * 7);
    assert.equal(passing.send(client, big), big.length);
    const back = new Uint8Array(big.length);
    const gotBig = passing.receive(server, back, { waitAll: true });
    assert.deepEqual(gotBig, { length: big.length, fds: [] });
    assert.deepEqual(back, big);

    fds.setNonblocking(server, true);
    assert.equal(passing.receive(server, into), undefined, "EAGAIN");
    fds.close(client);
    opened.splice(opened.indexOf(client), 1);
    assert.deepEqual(passing.receive(server, into), { length: 0, fds: [] });
  } finally {
    for (const fd of opened) fds.close(fd);
    await Deno.remove(dir, { recursive: true });
  }
});
