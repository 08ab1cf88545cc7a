import assert from "node:assert/strict";
import { HostsFileError, parseHostsFile } from "./hosts_file.ts";
import { formatIpAddress } from "./ip_address.ts";

Deno.test("hosts files map names (normalised) to addresses", () => {
  const table = parseHostsFile(
    "# test hosts\n203.0.113.10 git.test Web.Test.\n2001:db8::10 git.test\n\n127.0.0.1 loop.test\n",
    "hosts",
  );
  assert.deepEqual(
    table.get("git.test")!.map(formatIpAddress),
    ["203.0.113.10", "2001:db8::10"],
  );
  assert.deepEqual(table.get("web.test")!.map(formatIpAddress), [
    "203.0.113.10",
  ]);
  assert.deepEqual(table.get("loop.test")!.map(formatIpAddress), ["127.0.0.1"]);
});

Deno.test("bad hosts lines name the file and line", () => {
  assert.throws(
    () => parseHostsFile("203.0.113.1 ok.test\nnot-an-ip name\n", "h"),
    (error: unknown) =>
      error instanceof HostsFileError && error.message.startsWith("h:2:"),
  );
  assert.throws(
    () => parseHostsFile("203.0.113.1\n", "h"),
    /h:1: no host name/,
  );
  assert.throws(() => parseHostsFile("203.0.113.1 a..b\n", "h"), /h:1: "a..b"/);
});
