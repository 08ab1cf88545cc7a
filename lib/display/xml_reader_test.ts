import assert from "node:assert/strict";
import { readXml, type XmlElement, XmlError } from "./xml_reader.ts";

function shape(element: XmlElement): unknown {
  return [
    element.name,
    Object.fromEntries(element.attributes),
    element.children.map(shape),
  ];
}

Deno.test("xml: elements and attributes; text, comments and declarations skipped", () => {
  const root = readXml(
    `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE protocol SYSTEM "wayland.dtd">
<!-- a <comment> with "quotes" -->
<protocol name="p">
  <copyright>© someone &amp; others</copyright>
  <interface name='i' version="2">
    <description summary="a &lt;b&gt; &quot;c&quot; &apos;d&apos; &#65;&#x42;">
      Text with <![CDATA[<not-an-element>]]> inside.
    </description>
    <request name="r"><arg name="x" type="int"/></request>
    <event name = "e" since="2" />
  </interface>
</protocol>
`,
    "t.xml",
  );
  assert.deepEqual(shape(root), [
    "protocol",
    { name: "p" },
    [
      ["copyright", {}, []],
      ["interface", { name: "i", version: "2" }, [
        ["description", { summary: `a <b> "c" 'd' AB` }, []],
        ["request", { name: "r" }, [["arg", { name: "x", type: "int" }, []]]],
        ["event", { name: "e", since: "2" }, []],
      ]],
    ],
  ]);
});

Deno.test("xml: malformed files are refused with file and line", () => {
  const cases: [string, RegExp][] = [
    ["", /t\.xml:1: no root element/],
    ["<a>\n<b>\n</a>", /t\.xml:3: <\/a> closes <b>/],
    ["<a>\n<b>", /t\.xml:2: <b> is never closed/],
    ["</a>", /closes nothing/],
    ["<a/><b/>", /second root/],
    ["x<a/>", /text outside the root/],
    ["<a/>x", /text outside the root/],
    ['<a x="1" x="2"/>', /repeats attribute x/],
    ['<a x="&bogus;"/>', /bad entity/],
    ['<a x="a & b"/>', /bad entity/],
    ['<a x="&#x110000;"/>', /bad entity/],
    ["<a x=1/>", /bad attribute in <a>/],
    ['<a x="1"', /bad attribute/],
    ["<a><!-- never closed</a>", /unterminated comment/],
  ];
  for (const [text, expected] of cases) {
    assert.throws(
      () => readXml(text, "t.xml"),
      (e: unknown) => e instanceof XmlError && expected.test(e.message),
      `${text} → ${expected}`,
    );
  }
  assert.equal(readXml("<a></a >", "t.xml").name, "a");
});
