/**
 * The session against a hostile guest: random and mutated requests after a
 * realistic start (registry, compositor, a framed toplevel). Whatever
 * arrives, the session answers with output, never an exception; once it
 * says close, the connection is over; its buffers and object table stay
 * bounded.
 */
import assert from "node:assert/strict";
import { fuzzSeed, randomArgs, randomBytes, xorshift } from "./_test_random.ts";
import { encode, FilterDriver } from "./_test_wayland.ts";
import { GuardSession } from "./guard_session.ts";
import { protocolInterface } from "./protocol.ts";
import { encodeMessage } from "./wire.ts";
import { defaultAllowedGlobals } from "./default_globals.ts";
import { MAX_OBJECTS } from "./object_table.ts";

const ROUNDS = 100_000;

/** The guest's objects after setup: id → interface. */
const SETUP: [number, string][] = [
  [1, "wl_display"],
  [2, "wl_registry"],
  [4, "wl_compositor"],
  [5, "wl_surface"],
  [6, "xdg_wm_base"],
  [7, "xdg_surface"],
  [8, "xdg_toplevel"],
];

function session(): FilterDriver {
  let fd = 1000;
  const d = new FilterDriver(
    new GuardSession({
      vm: "fuzz-1",
      app: "fuzz",
      label: "fuzz",
      colour: "#cc0000",
      globals: { allow: defaultAllowedGlobals() },
      clipboard: "explicit",
    }, {
      paint: (width, height) => ({
        fd: fd++,
        size: width * height * 4,
        stride: width * 4,
      }),
    }),
  );
  for (
    const [name, iface, version] of [
      [1, "wl_compositor", 5],
      [2, "xdg_wm_base", 5],
      [3, "wl_shm", 1],
      [4, "wl_subcompositor", 1],
    ] as const
  ) {
    d.server({
      id: 2,
      iface: "wl_registry",
      name: "global",
      args: [name, iface, version],
    });
  }
  d.client({ id: 1, iface: "wl_display", name: "get_registry", args: [2] });
  const registry = d.atServer.at(-1)!.args[0] as number;
  for (
    const [name, iface, version] of [[1, "wl_compositor", 5], [
      2,
      "xdg_wm_base",
      5,
    ]] as const
  ) {
    d.server({
      id: registry,
      iface: "wl_registry",
      name: "global",
      args: [name, iface, version],
    });
  }
  d.client({
    id: 2,
    iface: "wl_registry",
    name: "bind",
    args: [1, { interface: "wl_compositor", version: 4, id: 4 }],
  });
  d.client({
    id: 2,
    iface: "wl_registry",
    name: "bind",
    args: [2, { interface: "xdg_wm_base", version: 1, id: 6 }],
  });
  d.client({
    id: 4,
    iface: "wl_compositor",
    name: "create_surface",
    args: [5],
  });
  d.client({
    id: 6,
    iface: "xdg_wm_base",
    name: "get_xdg_surface",
    args: [7, 5],
  });
  d.client({ id: 7, iface: "xdg_surface", name: "get_toplevel", args: [8] });
  assert.equal(d.closed, undefined);
  return d;
}

/** A request to one of the guest's objects, valid or broken in one way. */
function hostileRequest(next: () => number): Uint8Array {
  const [id, iface] = SETUP[next() % SETUP.length];
  const spec = protocolInterface(iface)!;
  const opcode = next() % (spec.requests.length + 2);
  const message = spec.requests[opcode];
  if (!message) return randomBytes(next, next() % 64);
  const args = randomArgs(next, message);
  let bytes: Uint8Array;
  try {
    bytes =
      encodeMessage(next() % 16 === 0 ? next() : id, opcode, message, args)
        .bytes;
  } catch {
    return randomBytes(next, 8 + next() % 64);
  }
  switch (next() % 4) {
    case 0:
      return bytes;
    case 1: {
      const copy = bytes.slice();
      copy[next() % copy.length] ^= 1 << (next() % 8);
      return copy;
    }
    case 2:
      return bytes.subarray(0, next() % bytes.length);
    default:
      return new Uint8Array([...bytes, ...randomBytes(next, next() % 32)]);
  }
}

Deno.test("session fuzz: hostile requests get output or a close, never an exception", () => {
  const seed = fuzzSeed();
  const next = xorshift(seed);
  const started = performance.now();
  let d = session();
  let closes = 0;
  let forwarded = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const bytes = hostileRequest(next);
    const fds = next() % 50 === 0 ? [900 + (next() % 10)] : [];
    let out;
    try {
      out = d.filter.fromClient(bytes, fds);
    } catch (error) {
      assert.fail(`seed ${seed}, round ${round}: the session threw ${error}`);
    }
    forwarded += out.toServer.length;
    if (out.close) {
      closes++;
      d = session();
    }
  }
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 60_000, `took ${elapsed} ms`);
  assert.ok(closes > 1000, `seed ${seed}: only ${closes} closes`);
  assert.ok(forwarded > 1000, `seed ${seed}: only ${forwarded} forwarded`);
});

Deno.test("session fuzz: a guest that makes objects without end is cut off at the bound", () => {
  const d = session();
  let closed: string | undefined;
  for (let id = 100; id < 100 + MAX_OBJECTS + 10 && !closed; id++) {
    const { bytes } = encode("requests", {
      id: 1,
      iface: "wl_display",
      name: "sync",
      args: [id],
    });
    closed = d.filter.fromClient(bytes, []).close;
  }
  assert.match(closed ?? "", new RegExp(`more than ${MAX_OBJECTS} objects`));
});
