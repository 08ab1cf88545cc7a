import assert from "node:assert/strict";
import { knownInterfaces, protocolInterface } from "./protocol.ts";
import { PROTOCOL_TABLE } from "./protocol_table.ts";
import { isPrefixOf, readProtocolDirectories } from "./protocol_xml.ts";
import { formatProtocolTable } from "./table_format.ts";

// What CI installs (.ci/install): libwayland-dev and wayland-protocols.
const INSTALLED = ["/usr/share/wayland", "/usr/share/wayland-protocols"];

function allInterfaces() {
  return knownInterfaces().map((name) => protocolInterface(name)!);
}

Deno.test("protocol table: the installed protocols are prefixes of the committed table", async () => {
  for (const directory of INSTALLED) {
    const found = await Deno.stat(directory).then(() => true, () => false);
    assert.ok(
      found,
      `${directory} is missing: install libwayland-dev and wayland-protocols`,
    );
  }
  const installed = await readProtocolDirectories(INSTALLED);
  assert.ok(installed.interfaces.some((spec) => spec.name === "xdg_wm_base"));
  for (const spec of installed.interfaces) {
    const table = protocolInterface(spec.name);
    assert.ok(
      table,
      `${spec.name} (installed version ${spec.version}) is not in the table`,
    );
    assert.ok(
      isPrefixOf(spec, table),
      `${spec.name}: the installed version ${spec.version} is not a prefix of the table's`,
    );
  }
});

Deno.test("protocol table: every interface an argument names is in the table", () => {
  const names = new Set(knownInterfaces());
  for (const spec of allInterfaces()) {
    for (const message of [...spec.requests, ...spec.events]) {
      assert.ok(
        message.since <= spec.version,
        `${spec.name}.${message.name} since ${message.since}`,
      );
      for (const arg of message.args) {
        assert.ok(
          arg.interface === undefined || names.has(arg.interface),
          `${spec.name}.${message.name}: ${arg.interface}`,
        );
      }
    }
  }
});

Deno.test("protocol table: the committed text is exactly what the generator writes", () => {
  assert.equal(PROTOCOL_TABLE, `\n${formatProtocolTable(allInterfaces())}`);
});
