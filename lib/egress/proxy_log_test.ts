/**
 * What the proxy writes into its log, through the proxy in-process: no
 * text a client chose verbatim, and one record per burst of identical
 * refusals.
 */
import assert from "node:assert/strict";
import { exchange, H, recordCount, text, withProxy } from "./_test_proxy.ts";

Deno.test("unknown methods are logged by length, never verbatim", async () => {
  await withProxy({}, async (socket, records) => {
    const hostile = "`reboot`&&$SHELL|sh";
    const answer = await exchange(
      socket,
      text(`${hostile} http://example.com/ ${H}`),
    );
    assert.match(answer, /^HTTP\/1\.1 403 /);
    await exchange(socket, text(`PATCH http://example.com/x ${H}`));
    await exchange(socket, text(`\`x\` ftp://example.org/ ${H}`));
    await recordCount(records, 3);
    assert.deepEqual(records.map((record) => record.method), [
      `OTHER(${hostile.length})`,
      "PATCH",
      "OTHER(3)",
    ]);
    for (const record of records) {
      assert.doesNotMatch(JSON.stringify(record), /[`$]/);
    }
  });
});

Deno.test("identical refusals within a second are logged once, with a count", async () => {
  await withProxy({}, async (socket, records) => {
    for (let i = 0; i < 20; i++) {
      const answer = await exchange(
        socket,
        text(`CONNECT example.com:443 ${H}`),
      );
      // Every client still gets its answer.
      assert.match(answer, /^HTTP\/1\.1 403 /);
    }
    await exchange(socket, text(`CONNECT example.com:8443 ${H}`));
    await recordCount(records, 3);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    assert.deepEqual(
      records.map((record) => [record.port, record.count]),
      [[443, undefined], [8443, undefined], [443, 19]],
    );
    // A refusal after the window starts a new burst, logged at once.
    await exchange(socket, text(`CONNECT example.com:443 ${H}`));
    await recordCount(records, 4);
    assert.equal(records.length, 4);
    assert.equal(records[3].count, undefined);
  });
});
