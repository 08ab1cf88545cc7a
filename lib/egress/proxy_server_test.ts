/**
 * The accept loop: the connection limit and closing, through the proxy
 * in-process on a UNIX socket (nothing leaves this machine).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startEgressProxy } from "./proxy_server.ts";
import {
  exchange,
  H,
  POLICY,
  recordCount,
  text,
  withProxy,
} from "./_test_proxy.ts";

Deno.test("connections over the limit are answered 503", async () => {
  await withProxy({ limits: { connections: 1 } }, async (socket, records) => {
    const idle = await Deno.connect({ transport: "unix", path: socket });
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const answer = await exchange(
        socket,
        text(`CONNECT example.org:443 ${H}`),
      );
      assert.match(answer, /^HTTP\/1\.1 503 /);
      await recordCount(records, 1);
      assert.equal(records.at(-1)?.rule, "connection limit 1 reached");
      // A refused client that stays connected holds its 503 slot for a
      // moment; past twice the limit, connections are dropped unanswered.
      const lingering = await Deno.connect({ transport: "unix", path: socket });
      try {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const dropped = await exchange(
          socket,
          text(`CONNECT example.org:443 ${H}`),
        );
        assert.equal(dropped, "");
      } finally {
        lingering.close();
      }
    } finally {
      idle.close();
    }
    // The slot is free again once the idle client is gone.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const answer = await exchange(socket, text(`CONNECT example.com:443 ${H}`));
    assert.match(answer, /^HTTP\/1\.1 403 /);
  });
});

Deno.test("closing the proxy ends open connections and removes its socket", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-egress-proxy-" });
  const socket = join(dir, "egress.sock");
  try {
    const proxy = await startEgressProxy({
      listen: { path: socket },
      policy: POLICY,
      ownAddresses: () => [],
    });
    const conn = await Deno.connect({ transport: "unix", path: socket });
    const reading = new Response(conn.readable).text();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await proxy.close();
    assert.equal(await reading, "");
    await assert.rejects(() => Deno.stat(socket), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
