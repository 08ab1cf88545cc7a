/**
 * The egress integration test's steps for plain HTTP framing: one
 * connection, one request. Whatever a client sends after the body its
 * head declares is never forwarded, so a pipelined second request cannot
 * reach an origin without being judged. The origin is the recording
 * server, which keeps every byte it receives.
 *
 * @module
 */
import assert from "node:assert/strict";
import { recordedRequests } from "./recording_server.ts";

/** Where the steps send their requests and read what arrived. */
export interface PipeliningOptions {
  /** The proxy's TCP port on 127.0.0.1. */
  proxyPort: number;
  /** The recording server's file; it serves record.test:8080. */
  recordFile: string;
}

const CASES: [string, string, string][] = [
  ["a Content-Length body", "Content-Length: 5\r\n", "hello"],
  [
    "a chunked body",
    "Transfer-Encoding: chunked\r\n",
    "5\r\nhello\r\n0\r\n\r\n",
  ],
  ["no body", "", ""],
];

/** A request to record.test with a pipelined one to a denied host after it. */
const SECOND = "GET http://denied.test:8080/secret HTTP/1.1\r\n" +
  "Host: denied.test:8080\r\n\r\n";

/** Runs one step per body framing. */
export async function pipeliningSteps(
  t: Deno.TestContext,
  options: PipeliningOptions,
): Promise<void> {
  for (const [what, framing, body] of CASES) {
    await t.step(
      `plain HTTP forwards ${what}, never a pipelined request after it`,
      async () => {
        const before = (await recordedRequests(options.recordFile)).length;
        const answer = await exchange(
          options.proxyPort,
          "POST http://record.test:8080/upload HTTP/1.1\r\n" +
            `Host: record.test:8080\r\n${framing}\r\n${body}${SECOND}`,
        );
        assert.match(answer, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nrecorded\n$/);
        const recorded = (await recordedRequests(options.recordFile))
          .slice(before);
        assert.equal(recorded.length, 1);
        assert.match(recorded[0], /^POST \/upload HTTP\/1\.1\r\n/);
        assert.ok(recorded[0].endsWith(`\r\n\r\n${body}`), recorded[0]);
        assert.doesNotMatch(recorded[0], /denied|secret/);
      },
    );
  }
}

/** Sends `request` in one write and reads the answer to its end. */
async function exchange(port: number, request: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(request));
    return await new Response(conn.readable).text();
  } finally {
    try {
      conn.close();
    } catch {
      // The readable stream closed it.
    }
  }
}
