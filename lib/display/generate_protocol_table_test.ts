import assert from "node:assert/strict";
import { renderProtocolTable } from "./generate_protocol_table.ts";
import { readProtocolDirectories } from "./protocol_xml.ts";
import { splitProtocolTable } from "./table_format.ts";

Deno.test("generator: the table it writes imports, reads back, and is deno fmt-stable", async () => {
  const root = await Deno.makeTempDir({ prefix: "qubesify-table-" });
  try {
    await Deno.mkdir(`${root}/xml/sub`, { recursive: true });
    await Deno.writeTextFile(
      `${root}/xml/sub/a.xml`,
      `<protocol name="a"><interface name="a_v1" version="2">
        <request name="go" since="2"><arg name="s" type="string" allow-null="true"/></request>
        <event name="went"/></interface></protocol>`,
    );
    await Deno.writeTextFile(`${root}/xml/notes.txt`, "not read");
    const merged = await readProtocolDirectories([`${root}/xml`]);
    const text = renderProtocolTable(merged, {
      sources: ["test: a.xml"],
      args: ["--source", "test: a.xml", "out.ts", `${root}/xml`],
    });
    assert.match(text, /^\/\/ GENERATED/);
    assert.match(text, /--source 'test: a\.xml' \\\n/);
    const path = `${root}/table.ts`;
    await Deno.writeTextFile(path, text);
    const { PROTOCOL_TABLE } = await import(`file://${path}`);
    assert.deepEqual(splitProtocolTable(PROTOCOL_TABLE), [
      {
        name: "a_v1",
        version: 2,
        requests: ["go(s: ?string) since 2"],
        events: ["went()"],
      },
    ]);
    const fmt = await new Deno.Command(Deno.execPath(), {
      args: ["fmt", "--check", path],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.ok(fmt.success, new TextDecoder().decode(fmt.stderr));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
