import assert from "node:assert/strict";
import { writeAll } from "../io/mod.ts";
import { answer } from "./refusal.ts";
import { connectedPair, readToEnd, text } from "./_test_proxy.ts";

Deno.test("an answer is a short Connection: close response, sent before unread bytes are drained", async () => {
  using pair = await connectedPair();
  // Bytes the proxy never read: closing on them would reset the connection.
  await writeAll(pair.near, text("unread request body"));
  const answering = answer(pair.far, 403, "example.com:443 is not allowed");
  assert.equal(
    await readToEnd(pair.near),
    "HTTP/1.1 403 Forbidden\r\n" +
      "Content-Type: text/plain; charset=utf-8\r\n" +
      "Content-Length: 31\r\nConnection: close\r\n\r\n" +
      "example.com:443 is not allowed\n",
  );
  pair.near.close();
  await answering;
});

Deno.test("a status without a reason phrase of its own reads Error", async () => {
  using pair = await connectedPair();
  const answering = answer(pair.far, 599, "odd");
  assert.match(await readToEnd(pair.near), /^HTTP\/1\.1 599 Error\r\n/);
  pair.near.close();
  await answering;
});
