import assert from "node:assert/strict";
import { writeAll } from "../io/mod.ts";
import { BodyFramingError, ChunkedBody } from "./body_framing.ts";
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
    mode: { kind: "tunnel" },
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

/** A body meter of `length` bytes. */
function lengthBody(length: number) {
  let remaining = length;
  return {
    get done() {
      return remaining === 0;
    },
    feed(bytes: Uint8Array) {
      const taken = Math.min(remaining, bytes.length);
      remaining -= taken;
      return taken;
    },
  };
}

Deno.test("plain HTTP ends when the destination has answered and closed", async () => {
  using client = await connectedPair();
  using upstream = await connectedPair();
  const counts = { bytes_up: 0, bytes_down: 0 };
  const relaying = relayBytes({
    client: client.far,
    upstream: upstream.near,
    early: new Uint8Array(0),
    mode: { kind: "http", body: lengthBody(4) },
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

Deno.test("plain HTTP forwards the body and nothing after it", async () => {
  for (const early of ["", "hel", "hello", "helloGET http://denied.example/"]) {
    using client = await connectedPair();
    using upstream = await connectedPair();
    const counts = { bytes_up: 0, bytes_down: 0 };
    const relaying = relayBytes({
      client: client.far,
      upstream: upstream.near,
      early: text(early),
      mode: { kind: "http", body: lengthBody(5) },
      counts,
      onActivity: () => {},
    });
    const rest = "hello".slice(early.length);
    const pipelined =
      "GET http://denied.example/ HTTP/1.1\r\nHost: denied.example\r\n\r\n";
    await writeAll(client.near, text(rest + pipelined));
    // The origin reads what it got before it answers and closes.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const received = new Uint8Array(256);
    const read = await upstream.far.read(received);
    assert.equal(
      new TextDecoder().decode(received.subarray(0, read!)),
      "hello",
    );
    await writeAll(upstream.far, text("answer"));
    upstream.far.close();
    await relaying;
    client.far.close();
    assert.equal(await readToEnd(client.near), "answer");
    assert.equal(counts.bytes_up, 5, JSON.stringify(early));
  }
});

Deno.test("plain HTTP forwards a chunked body to its end and stops", async () => {
  using client = await connectedPair();
  using upstream = await connectedPair();
  const counts = { bytes_up: 0, bytes_down: 0 };
  const body = "4\r\nwiki\r\n0\r\n\r\n";
  const relaying = relayBytes({
    client: client.far,
    upstream: upstream.near,
    early: new Uint8Array(0),
    mode: { kind: "http", body: new ChunkedBody() },
    counts,
    onActivity: () => {},
  });
  await writeAll(client.near, text(`${body}0\r\n\r\nGET / HTTP/1.1\r\n\r\n`));
  await new Promise((resolve) => setTimeout(resolve, 100));
  const received = new Uint8Array(256);
  const read = await upstream.far.read(received);
  assert.equal(new TextDecoder().decode(received.subarray(0, read!)), body);
  upstream.far.close();
  await relaying;
  assert.equal(counts.bytes_up, body.length);
});

Deno.test("plain HTTP with a malformed chunked body closes both ends", async () => {
  using client = await connectedPair();
  using upstream = await connectedPair();
  const relaying = relayBytes({
    client: client.far,
    upstream: upstream.near,
    early: text("4\r\nwiki\n"),
    mode: { kind: "http", body: new ChunkedBody() },
    counts: { bytes_up: 0, bytes_down: 0 },
    onActivity: () => {},
  });
  await assert.rejects(relaying, BodyFramingError);
  assert.equal(await readToEnd(upstream.far), "");
  assert.equal(await readToEnd(client.near), "");
});
