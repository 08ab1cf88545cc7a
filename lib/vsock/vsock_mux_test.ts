import assert from "node:assert/strict";
import {
  CONTROL_QUEUE_LIMIT,
  DEFAULT_BUF_ALLOC,
  type MuxEvent,
  VsockMux,
} from "./vsock_mux.ts";
import type { OutgoingPacket } from "./vsock_connection.ts";
import {
  HOST_CID,
  VSOCK_TYPE_STREAM,
  type VsockHeader,
  VsockOp,
} from "./vsock_packet.ts";
import { FakeStream, fromGuest, GUEST, ops, SERVICE } from "./_test_stream.ts";

function setUp(options: { maxConnections?: number; bufAlloc?: number } = {}) {
  const streams: FakeStream[] = [];
  const events: MuxEvent[] = [];
  const mux = new VsockMux({
    guestCid: GUEST,
    services: new Map([[SERVICE, "/run/service.sock"]]),
    connect(path, connection) {
      if (path !== "/run/service.sock") throw new Error("unexpected path");
      const stream = new FakeStream();
      stream.connection = connection;
      streams.push(stream);
      return stream;
    },
    onEvent: (event) => events.push(event),
    ...options,
  });
  const drain = (room = 4096): OutgoingPacket[] => {
    const out: OutgoingPacket[] = [];
    for (let p = mux.nextPacket(room); p; p = mux.nextPacket(room)) out.push(p);
    return out;
  };
  return { mux, streams, events, drain };
}

Deno.test("mux: an allowed port is accepted, a data packet reaches the host end", () => {
  const { mux, streams, events, drain } = setUp();
  mux.receive(fromGuest(VsockOp.REQUEST), new Uint8Array(0));
  const [response] = drain();
  assert.deepEqual(response.header, {
    srcCid: HOST_CID,
    dstCid: GUEST,
    srcPort: SERVICE,
    dstPort: 1234,
    len: 0,
    type: VSOCK_TYPE_STREAM,
    op: VsockOp.RESPONSE,
    flags: 0,
    bufAlloc: DEFAULT_BUF_ALLOC,
    fwdCnt: 0,
  });
  assert.equal(streams.length, 1);
  assert.deepEqual(streams[0].wants, { read: true, write: false });
  mux.receive(
    fromGuest(VsockOp.RW, { len: 3 }),
    new Uint8Array([1, 2, 3]),
  );
  assert.deepEqual(streams[0].written, [1, 2, 3]);
  assert.equal(events[0].kind, "connected");
});

Deno.test("mux: default deny — other ports, other CIDs and non-streams get RST", () => {
  const { mux, streams, events, drain } = setUp();
  const refusals: [Partial<VsockHeader>, number, number][] = [
    [{ dstPort: 22 }, VsockOp.REQUEST, 22],
    [{ dstCid: 9 }, VsockOp.REQUEST, SERVICE],
    [{ type: 2 }, VsockOp.REQUEST, SERVICE],
    // Data for a connection that does not exist.
    [{ len: 1 }, VsockOp.RW, SERVICE],
  ];
  for (const [fields, op, port] of refusals) {
    mux.receive(fromGuest(op, fields), new Uint8Array(fields.len ?? 0));
    const out = drain();
    assert.deepEqual(ops(out), ["RST"]);
    assert.deepEqual([out[0].header.srcPort, out[0].header.dstPort], [
      port,
      1234,
    ]);
  }
  // A RST is never answered (no RST storms).
  mux.receive(fromGuest(VsockOp.RST, { dstPort: 22 }), new Uint8Array(0));
  assert.deepEqual(drain(), []);
  assert.equal(streams.length, 0);
  assert.equal(events[0].kind, "refused");
  // A spoofed source CID is dropped without an answer.
  mux.receive(fromGuest(VsockOp.REQUEST, { srcCid: 3 }), new Uint8Array(0));
  assert.deepEqual(drain(), []);
  assert.equal(events.at(-1)?.kind, "dropped");
});

Deno.test("mux: a host end that cannot be opened refuses the connection", () => {
  const { mux, events, drain } = setUp();
  const other = new VsockMux({
    guestCid: GUEST,
    services: new Map([[SERVICE, "/nowhere"]]),
    connect() {
      throw new Error("connect /nowhere failed: ENOENT");
    },
    onEvent: (event) => events.push(event),
  });
  other.receive(fromGuest(VsockOp.REQUEST), new Uint8Array(0));
  assert.equal(other.nextPacket(4096)?.header.op, VsockOp.RST);
  assert.equal(other.size, 0);
  assert.match(
    (events.at(-1) as { reason: string }).reason,
    /ENOENT/,
  );
  assert.deepEqual(drain(), []);
  assert.equal(mux.size, 0);
});

function connected() {
  const context = setUp();
  context.mux.receive(fromGuest(VsockOp.REQUEST), new Uint8Array(0));
  context.drain();
  const stream = context.streams[0];
  return { ...context, stream, connection: stream.connection! };
}

Deno.test("mux: RST from the guest, a failing host end, and closeAll close host ends", () => {
  const { mux, stream, drain, streams } = connected();
  mux.receive(fromGuest(VsockOp.RST), new Uint8Array(0));
  assert.equal(stream.closed, true);
  assert.deepEqual(drain(), [], "a RST is not answered");

  mux.receive(fromGuest(VsockOp.REQUEST, { srcPort: 2 }), new Uint8Array(0));
  drain();
  streams[1].failWrites = true;
  mux.receive(fromGuest(VsockOp.RW, { srcPort: 2, len: 1 }), new Uint8Array(1));
  assert.deepEqual(ops(drain()), ["RST"]);
  assert.equal(streams[1].closed, true);

  mux.receive(fromGuest(VsockOp.REQUEST, { srcPort: 3 }), new Uint8Array(0));
  mux.receive(fromGuest(VsockOp.REQUEST, { srcPort: 4 }), new Uint8Array(0));
  assert.equal(mux.size, 2);
  mux.closeAll();
  assert.equal(mux.size, 0);
  assert.ok(streams.slice(2).every((s) => s.closed));
  assert.deepEqual(drain(), [], "nothing left to send");
});

Deno.test("mux: host → guest connections wait for RESPONSE; RST refuses them", () => {
  const { mux, drain } = setUp();
  const accepted = new FakeStream();
  const connection = mux.connectToGuest(6000, accepted);
  const [request] = drain();
  assert.equal(request.header.op, VsockOp.REQUEST);
  assert.equal(request.header.dstPort, 6000);
  assert.ok(request.header.srcPort >= 49152);
  connection.hostData(new Uint8Array(5));
  assert.deepEqual(drain(), [], "no data before the guest accepts");
  mux.receive(
    fromGuest(VsockOp.RESPONSE, {
      srcPort: 6000,
      dstPort: request.header.srcPort,
    }),
    new Uint8Array(0),
  );
  assert.equal(accepted.establishedCalls, 1);
  assert.deepEqual(accepted.wants, { read: true, write: false });
  assert.deepEqual(ops(drain()), ["RW 5"]);

  const refused = new FakeStream();
  const second = mux.connectToGuest(6001, refused);
  assert.notEqual(second.port, connection.port);
  drain();
  mux.receive(
    fromGuest(VsockOp.RST, { srcPort: 6001, dstPort: second.port }),
    new Uint8Array(0),
  );
  assert.equal(refused.closed, true);
  assert.equal(refused.establishedCalls, 0);
});

Deno.test("mux: connections per guest are capped", () => {
  const { mux, drain, events } = setUp({ maxConnections: 2 });
  for (const port of [1, 2, 3]) {
    mux.receive(
      fromGuest(VsockOp.REQUEST, { srcPort: port }),
      new Uint8Array(0),
    );
  }
  assert.deepEqual(ops(drain()), ["RESPONSE", "RESPONSE", "RST"]);
  assert.match((events.at(-1) as { reason: string }).reason, /over 2/);
  assert.throws(() => mux.connectToGuest(1, new FakeStream()), /over 2/);
});

Deno.test("mux: connections take turns; control packets go first, a forgotten one's without credit", () => {
  const { mux, drain, streams } = setUp({ bufAlloc: 4 * 1024 * 1024 });
  for (const port of [1, 2]) {
    mux.receive(
      fromGuest(VsockOp.REQUEST, { srcPort: port }),
      new Uint8Array(0),
    );
  }
  const responses = drain();
  assert.deepEqual(ops(responses), ["RESPONSE", "RESPONSE"]);
  assert.equal(responses[0].header.bufAlloc, 4 * 1024 * 1024);
  streams[0].connection!.hostData(new Uint8Array(300));
  streams[1].connection!.hostData(new Uint8Array(300));
  const turns = drain(44 + 100);
  assert.deepEqual(
    turns.map((p) => p.header.dstPort),
    [1, 2, 1, 2, 1, 2],
  );
  streams[0].connection!.hostFailed();
  const [rst] = drain();
  assert.equal(rst.header.op, VsockOp.RST);
  assert.deepEqual([rst.header.bufAlloc, rst.header.fwdCnt], [0, 0]);
  assert.equal(mux.size, 1);
});

Deno.test("mux: 2M refusals the guest never reads leave a bounded queue", () => {
  let events = 0;
  const mux = new VsockMux({
    guestCid: GUEST,
    services: new Map(),
    connect: () => new FakeStream(),
    onEvent: () => events++,
  });
  const empty = new Uint8Array(0);
  const flood = 2_000_000;
  for (let i = 0; i < flood; i++) {
    // Each from a new port, so that none merges.
    mux.receive(fromGuest(VsockOp.REQUEST, { srcPort: i }), empty);
  }
  assert.equal(mux.controlBacklog, CONTROL_QUEUE_LIMIT);
  assert.ok(mux.congested);
  assert.deepEqual(mux.controlStats, {
    merged: 0,
    dropped: flood - CONTROL_QUEUE_LIMIT,
  });
  assert.equal(events, flood, "each refusal is still reported");
  assert.throws(
    () => mux.connectToGuest(6000, new FakeStream()),
    /not reading/,
  );
  // Reading makes room again.
  for (let i = 0; i < 10; i++) assert.ok(mux.nextPacket(4096));
  assert.equal(mux.congested, false);
});

Deno.test("mux: a refusal equal to the last one queued for its ports is merged", () => {
  const { mux, drain } = setUp();
  const empty = new Uint8Array(0);
  for (let i = 0; i < 1000; i++) {
    mux.receive(fromGuest(VsockOp.RW, { len: 0 }), empty);
  }
  assert.equal(mux.controlBacklog, 1);
  assert.equal(mux.controlStats.merged, 999);
  // Not merged across another packet for the same ports: order holds.
  mux.receive(fromGuest(VsockOp.REQUEST), empty);
  mux.receive(fromGuest(VsockOp.RST), empty);
  mux.receive(fromGuest(VsockOp.RW, { len: 0 }), empty);
  assert.deepEqual(ops(drain()), ["RST", "RESPONSE", "RST"]);
  // Once sent, the same refusal is queued again.
  mux.receive(fromGuest(VsockOp.RW, { len: 0 }), empty);
  assert.deepEqual(ops(drain()), ["RST"]);
});
