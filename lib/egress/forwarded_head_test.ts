import assert from "node:assert/strict";
import { forwardedHead } from "./forwarded_head.ts";
import { parseRequestTarget } from "./request_target.ts";

Deno.test("forwarded heads: origin-form, fresh Host, no hop-by-hop fields", () => {
  const head = {
    method: "POST",
    target: "http://Example.org:8080/a?b=1",
    version: "HTTP/1.1",
    headers: [
      ["Host", "evil.example"],
      ["Proxy-Authorization", "Basic c2VjcmV0"],
      ["Connection", "keep-alive, X-Drop"],
      ["X-Drop", "1"],
      ["Keep-Alive", "timeout=5"],
      ["Upgrade", "websocket"],
      ["Content-Length", "3"],
      ["Accept", "*/*"],
    ] as [string, string][],
  };
  assert.equal(
    forwardedHead(head, parseRequestTarget(head.method, head.target)),
    "POST /a?b=1 HTTP/1.1\r\nHost: example.org:8080\r\nContent-Length: 3\r\n" +
      "Accept: */*\r\nConnection: close\r\n\r\n",
  );
  const v6 = { ...head, target: "http://[2001:db8::1]/", headers: [] };
  assert.equal(
    forwardedHead(v6, parseRequestTarget("GET", v6.target)),
    "POST / HTTP/1.1\r\nHost: [2001:db8::1]\r\nConnection: close\r\n\r\n",
  );
});
