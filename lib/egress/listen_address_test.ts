import assert from "node:assert/strict";
import { formatListenAddress, parseListenAddress } from "./listen_address.ts";

Deno.test("--listen: TCP address:port, [v6]:port, UNIX socket paths", () => {
  assert.deepEqual(parseListenAddress("127.0.0.1:3128"), {
    hostname: "127.0.0.1",
    port: 3128,
  });
  assert.deepEqual(parseListenAddress("[::1]:0"), { hostname: "::1", port: 0 });
  assert.deepEqual(parseListenAddress("/run/x/egress.sock"), {
    path: "/run/x/egress.sock",
  });
  assert.deepEqual(parseListenAddress("unix:/tmp/p.sock"), {
    path: "/tmp/p.sock",
  });
  for (
    const bad of [
      "3128",
      "localhost:3128",
      "1.2.3.4",
      "1.2.3.4:70000",
      "::1:80",
      "[x]:1",
      "rel/path",
    ]
  ) {
    assert.throws(() => parseListenAddress(bad), /--listen/, bad);
  }
});

Deno.test("formatListenAddress: what parseListenAddress reads, and listeners' addresses", () => {
  for (const text of ["127.0.0.1:3128", "[::1]:0", "/run/x/egress.sock"]) {
    assert.equal(formatListenAddress(parseListenAddress(text)), text);
  }
  assert.equal(
    formatListenAddress({ transport: "tcp", hostname: "::1", port: 8080 }),
    "[::1]:8080",
  );
  assert.equal(
    formatListenAddress({ transport: "unix", path: "/tmp/p.sock" }),
    "/tmp/p.sock",
  );
});
