import assert from "node:assert/strict";
import type { InterfaceSpec } from "./protocol.ts";
import {
  isPrefixOf,
  mergeProtocols,
  protocolFromXml,
  type ProtocolSpec,
} from "./protocol_xml.ts";
import { formatProtocolTable } from "./table_format.ts";
import { XmlError } from "./xml_reader.ts";

const SAMPLE = `<?xml version="1.0" encoding="UTF-8"?>
<protocol name="sample_v1">
  <copyright>Not copied.</copyright>
  <interface name="sample_manager_v1" version="3">
    <description summary="not copied">Prose.</description>
    <request name="destroy" type="destructor"/>
    <request name="get_thing" since="2">
      <arg name="id" type="new_id" interface="sample_thing_v1" summary="x"/>
      <arg name="surface" type="object" interface="wl_surface" allow-null="true"/>
      <arg name="title" type="string" allow-null="false"/>
      <arg name="keys" type="array"/>
      <arg name="fd" type="fd"/>
      <arg name="x" type="fixed"/>
      <arg name="mode" type="uint" enum="mode"/>
    </request>
    <event name="done" type="destructor" since="3"><arg name="v" type="int"/></event>
    <enum name="mode"><entry name="a" value="0" since="2"/></enum>
  </interface>
  <interface name="sample_thing_v1" version="1"/>
</protocol>`;

Deno.test("protocol xml: names and signatures are read, prose and enums skipped", () => {
  const protocol = protocolFromXml(SAMPLE, "sample.xml");
  assert.equal(protocol.name, "sample_v1");
  assert.equal(
    formatProtocolTable(protocol.interfaces),
    "sample_manager_v1 version 3\n" +
      "  request destroy() destructor\n" +
      "  request get_thing(id: new_id<sample_thing_v1>, surface: ?object<wl_surface>, " +
      "title: string, keys: array, fd: fd, x: fixed, mode: uint) since 2\n" +
      "  event done(v: int) since 3 destructor\n" +
      "sample_thing_v1 version 1\n",
  );
});

Deno.test("protocol xml: what is not a protocol description is refused", () => {
  const wrap = (body: string) =>
    `<protocol name="p"><interface name="i" version="1">${body}</interface></protocol>`;
  const cases: [string, RegExp][] = [
    ["<other/>", /root element is <other>/],
    [
      '<protocol name="p"><interface version="1"/></protocol>',
      /<interface> without name/,
    ],
    [
      '<protocol name="p"><interface name="i"/></protocol>',
      /interface i: version="" is not/,
    ],
    [
      '<protocol name="p"><interface name="i" version="0"/></protocol>',
      /version="0"/,
    ],
    [
      '<protocol name="p"><interface name="a b" version="1"/></protocol>',
      /name="a b"/,
    ],
    [
      wrap('<request name="r" type="other"/>'),
      /request r: unknown type "other"/,
    ],
    [wrap('<event name="e" since="x"/>'), /event e: since="x"/],
    [
      wrap('<request name="r"><arg name="a" type="float"/></request>'),
      /unknown type "float"/,
    ],
    [wrap('<request name="r"><arg name="a"/></request>'), /<arg> without type/],
    [
      wrap(
        '<request name="r"><arg name="a" type="int" allow-null="true"/></request>',
      ),
      /a int cannot be null/,
    ],
    [
      wrap(
        '<request name="r"><arg name="a" type="string" allow-null="yes"/></request>',
      ),
      /allow-null="yes"/,
    ],
    [
      wrap(
        '<request name="r"><arg name="a" type="uint" interface="wl_surface"/></request>',
      ),
      /a uint names no interface/,
    ],
  ];
  for (const [text, expected] of cases) {
    assert.throws(
      () => protocolFromXml(text, "p.xml"),
      (e: unknown) =>
        e instanceof XmlError && /^p\.xml/.test(e.message) &&
        expected.test(e.message),
      String(expected),
    );
  }
});

function iface(
  name: string,
  version: number,
  requests: string[] = [],
): InterfaceSpec {
  return {
    name,
    version,
    requests: requests.map((request) => ({
      name: request,
      args: [],
      since: 1,
      destructor: false,
    })),
    events: [],
  };
}

Deno.test("protocol xml: merging keeps the newest, and drops protocols that clash", () => {
  const protocols: ProtocolSpec[] = [
    { name: "stable", interfaces: [iface("a", 2, ["x", "y"]), iface("b", 1)] },
    { name: "unstable", interfaces: [iface("a", 1, ["x"]), iface("c", 1)] },
    { name: "old", interfaces: [iface("a", 1, ["z"]), iface("d", 1)] },
    { name: "newer", interfaces: [iface("b", 1, ["w"])] },
  ];
  const merged = mergeProtocols(protocols);
  assert.deepEqual(
    merged.interfaces.map((
      spec,
    ) => [spec.name, spec.version, spec.requests.length]),
    [
      ["a", 2, 2],
      ["b", 1, 1], // Equal versions: the one that says more.
      ["c", 1, 0],
    ],
  );
  assert.deepEqual(merged.leftOut, ["old: its a differs from the newer one"]);
});

Deno.test("protocol xml: isPrefixOf compares version and every message", () => {
  assert.ok(isPrefixOf(iface("a", 1, ["x"]), iface("a", 2, ["x", "y"])));
  assert.ok(isPrefixOf(iface("a", 2, ["x"]), iface("a", 2, ["x"])));
  assert.ok(!isPrefixOf(iface("a", 3, ["x"]), iface("a", 2, ["x"])));
  assert.ok(!isPrefixOf(iface("a", 1, ["x", "y"]), iface("a", 2, ["x"])));
  assert.ok(!isPrefixOf(iface("a", 1, ["y"]), iface("a", 2, ["x", "y"])));
  assert.ok(!isPrefixOf(iface("a", 1), iface("b", 1)));
});
