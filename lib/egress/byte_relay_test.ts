import assert from "node:assert/strict";
import { writeAll } from "../io/mod.ts";
import { relayBytes } from "./byte_relay.ts";
import { connectedPair, readToEnd, text } from "./_test_proxy.ts";

Deno.test("a tunnel sends the early bytes first, half-closes each way and counts", async () => {
  using client = await connectedPair();
  using upstream = await connectedPair();
  const counts = { bytes_up: 0, bytes_down: 0 };
  let activity = 0;
  const relaying = relayBytes({
    client: client.far,
    upstream: upstream.near,
    early: text("early "),
    mode: "tunnel",
    counts,
    onActivity: () => activity++,
  });
  await writeAll(client.near, text("hello"));
  await client.near.closeWrite();
  // The server sees the client's end of stream and still answers.
  assert.equal(await readToEnd(upstream.far), "early hello");
  await writeAll(upstream.far, text("answer"));
  await upstream.far.closeWrite();
  assert.equal(await readToEnd(client.near), "answer");
  await relaying;
  assert.deepEqual(counts, { bytes_up: 11, bytes_down: 6 });
  assert.ok(activity >= 4);
});

Deno.test("plain HTTP ends when the destination has answered and closed", async () => {
  using client = await connectedPair();
  using upstream = await connectedPair();
  const counts = { bytes_up: 0, bytes_down: 0 };
  const relaying = relayBytes({
    client: client.far,
    upstream: upstream.near,
    early: new Uint8Array(0),
    mode: "http",
    counts,
    onActivity: () => {},
  });
  await writeAll(client.near, text("body"));
  const request = new Uint8Array(4);
  assert.equal(await upstream.far.read(request), 4);
  await writeAll(upstream.far, text("response"));
  upstream.far.close();
  // The client has not closed its side; the exchange is over all the same.
  await relaying;
  client.far.close();
  assert.equal(await readToEnd(client.near), "response");
  assert.deepEqual(counts, { bytes_up: 4, bytes_down: 8 });
});
