import assert from "node:assert/strict";
import type { InterfaceSpec } from "./protocol.ts";
import {
  formatMessageSignature,
  formatProtocolTable,
  parseMessageSignature,
  splitProtocolTable,
} from "./table_format.ts";

const SURFACE: InterfaceSpec = {
  name: "wl_surface",
  version: 6,
  requests: [
    { name: "destroy", args: [], since: 1, destructor: true },
    {
      name: "attach",
      args: [
        {
          name: "buffer",
          type: "object",
          interface: "wl_buffer",
          nullable: true,
        },
        { name: "x", type: "int", nullable: false },
      ],
      since: 1,
      destructor: false,
    },
  ],
  events: [{
    name: "preferred_buffer_scale",
    args: [{ name: "factor", type: "int", nullable: false }],
    since: 6,
    destructor: false,
  }],
};

Deno.test("table format: interfaces and messages are written one per line and read back", () => {
  const text = formatProtocolTable([SURFACE, {
    name: "wl_x",
    version: 1,
    requests: [],
    events: [],
  }]);
  assert.equal(
    text,
    "wl_surface version 6\n" +
      "  request destroy() destructor\n" +
      "  request attach(buffer: ?object<wl_buffer>, x: int)\n" +
      "  event preferred_buffer_scale(factor: int) since 6\n" +
      "wl_x version 1\n",
  );
  const [surface, x] = splitProtocolTable(`\n${text}`);
  assert.deepEqual(x, { name: "wl_x", version: 1, requests: [], events: [] });
  assert.deepEqual({
    ...surface,
    requests: surface.requests.map(parseMessageSignature),
    events: surface.events.map(parseMessageSignature),
  }, SURFACE);
});

Deno.test("table format: an untyped new_id and every flag survive the trip", () => {
  for (
    const line of [
      "bind(name: uint, id: new_id)",
      "m(a: fd, b: array, c: ?string, d: fixed, e: new_id<x>) since 12 destructor",
      "done() destructor",
    ]
  ) {
    assert.equal(formatMessageSignature(parseMessageSignature(line)), line);
  }
});

Deno.test("table format: lines that are not the table's are refused", () => {
  for (
    const line of [
      "m(a int)",
      "m(a: float)",
      "m(a: int<wl_surface)",
      "m(a: int,b: int)",
      "m() since 0",
      "m() destructor since 2",
      "m(",
    ]
  ) {
    assert.throws(() => parseMessageSignature(line), SyntaxError, line);
  }
  assert.throws(
    () => splitProtocolTable("  request m()\n"),
    /bad protocol table line/,
  );
  assert.throws(
    () => splitProtocolTable("wl_x version 0\n"),
    /bad protocol table line/,
  );
});
