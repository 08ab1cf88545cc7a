import assert from "node:assert/strict";
import {
  DEFAULT_BUF_ALLOC,
  HOST_CID,
  type HostStream,
  type MuxEvent,
  type OutgoingPacket,
  type VsockConnection,
  VsockMux,
} from "./vsock_mux.ts";
import {
  VSOCK_SHUTDOWN_RCV,
  VSOCK_SHUTDOWN_SEND,
  VSOCK_TYPE_STREAM,
  type VsockHeader,
  VsockOp,
} from "./vsock_packet.ts";

const GUEST = 7;
const SERVICE = 7000;

/** A host end that takes up to `room` bytes at a time, then blocks. */
class FakeStream implements HostStream {
  written: number[] = [];
  room = Infinity;
  shut = false;
  closed = false;
  wants = { read: false, write: false };
  establishedCalls = 0;
  failWrites = false;
  connection?: VsockConnection;
  write(bytes: Uint8Array): number | undefined {
    if (this.failWrites) throw new Error("EPIPE");
    const take = Math.min(bytes.length, this.room);
    if (take === 0) return undefined;
    this.room -= take;
    this.written.push(...bytes.subarray(0, take));
    return take;
  }
  shutdownWrite() {
    this.shut = true;
  }
  close() {
    this.closed = true;
  }
  interest(read: boolean, write: boolean) {
    this.wants = { read, write };
  }
  established() {
    this.establishedCalls++;
  }
}

function fromGuest(
  op: number,
  extra: Partial<VsockHeader> = {},
): VsockHeader {
  return {
    srcCid: GUEST,
    dstCid: HOST_CID,
    srcPort: 1234,
    dstPort: SERVICE,
    len: 0,
    type: VSOCK_TYPE_STREAM,
    op,
    flags: 0,
    bufAlloc: 1000,
    fwdCnt: 0,
    ...extra,
  };
}

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

function ops(packets: OutgoingPacket[]): string[] {
  return packets.map((p) => {
    const name = Object.entries(VsockOp).find(([, v]) => v === p.header.op)![0];
    return p.header.op === VsockOp.RW ? `RW ${p.payload.length}` : name;
  });
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
  mux.receive(fromGuest(VsockOp.REQUEST, { dstPort: 22 }), new Uint8Array(0));
  mux.receive(fromGuest(VsockOp.REQUEST, { dstCid: 9 }), new Uint8Array(0));
  mux.receive(fromGuest(VsockOp.REQUEST, { type: 2 }), new Uint8Array(0));
  // Data for a connection that does not exist.
  mux.receive(fromGuest(VsockOp.RW, { len: 1 }), new Uint8Array(1));
  // A RST is never answered (no RST storms).
  mux.receive(fromGuest(VsockOp.RST, { dstPort: 22 }), new Uint8Array(0));
  const out = drain();
  assert.deepEqual(ops(out), ["RST", "RST", "RST", "RST"]);
  assert.deepEqual(
    out.map((p) => [p.header.srcPort, p.header.dstPort]),
    [[22, 1234], [SERVICE, 1234], [SERVICE, 1234], [SERVICE, 1234]],
  );
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

Deno.test("mux: guest data beyond a blocked host end is buffered, credit returned as it drains", () => {
  const { mux, stream, connection, drain } = connected();
  stream.room = 10;
  const chunk = new Uint8Array(40_000).map((_, i) => i);
  mux.receive(fromGuest(VsockOp.RW, { len: chunk.length }), chunk);
  assert.equal(stream.written.length, 10);
  assert.deepEqual(stream.wants, { read: true, write: true });
  assert.deepEqual(drain(), [], "no credit update for 10 bytes");
  mux.receive(fromGuest(VsockOp.RW, { len: chunk.length }), chunk);
  assert.equal(stream.written.length, 10, "order kept behind the buffer");
  stream.room = Infinity;
  connection.hostWritable();
  assert.deepEqual(stream.written, [...chunk, ...chunk].slice(0, 80_000));
  assert.deepEqual(stream.wants, { read: true, write: false });
  // 80 000 bytes forwarded, over a quarter of the buffer: announced.
  const [update] = drain();
  assert.equal(update.header.op, VsockOp.CREDIT_UPDATE);
  assert.equal(update.header.fwdCnt, 80_000);
  assert.equal(update.header.bufAlloc, DEFAULT_BUF_ALLOC);
  // The guest asks again: answered even with nothing new.
  mux.receive(fromGuest(VsockOp.CREDIT_REQUEST), new Uint8Array(0));
  assert.deepEqual(ops(drain()), ["CREDIT_UPDATE"]);
});

Deno.test("mux: a guest sending past its credit is reset", () => {
  const { mux, stream, drain, events } = connected();
  stream.room = 0;
  mux.receive(
    fromGuest(VsockOp.RW, { len: DEFAULT_BUF_ALLOC }),
    new Uint8Array(DEFAULT_BUF_ALLOC),
  );
  assert.equal(mux.size, 1, "exactly the credit is fine");
  mux.receive(fromGuest(VsockOp.RW, { len: 1 }), new Uint8Array(1));
  assert.deepEqual(ops(drain()), ["RST"]);
  assert.equal(stream.closed, true);
  assert.equal(mux.size, 0);
  assert.match((events.at(-2) as { reason: string }).reason, /overran/);
});

Deno.test("mux: host data goes out within the guest's credit and the rx buffer's room", () => {
  const { mux, stream, connection, drain } = connected();
  connection.hostData(new Uint8Array(3000).fill(1));
  // Credit from the REQUEST: buf_alloc 1000, nothing forwarded yet.
  const first = drain(500);
  assert.deepEqual(ops(first), ["RW 456", "RW 456", "RW 88"]);
  assert.equal(first[2].header.fwdCnt, 0);
  assert.deepEqual(drain(), [], "out of credit");
  // The guest consumed 600 bytes.
  mux.receive(
    fromGuest(VsockOp.CREDIT_UPDATE, { fwdCnt: 600 }),
    new Uint8Array(0),
  );
  assert.deepEqual(ops(drain()), ["RW 600"]);
  // More buffer (and an update): the rest flows.
  mux.receive(
    fromGuest(VsockOp.CREDIT_UPDATE, { bufAlloc: 10_000, fwdCnt: 1600 }),
    new Uint8Array(0),
  );
  assert.deepEqual(ops(drain()), ["RW 1400"]);
  // Host read-ahead is bounded: interest drops at the limit.
  connection.hostData(new Uint8Array(256 * 1024));
  assert.deepEqual(stream.wants, { read: false, write: false });
});

Deno.test("mux: half-close both ways, then RST and the host end closed", () => {
  const { mux, stream, connection, drain } = connected();
  mux.receive(fromGuest(VsockOp.RW, { len: 2 }), new Uint8Array([7, 8]));
  mux.receive(
    fromGuest(VsockOp.SHUTDOWN, { flags: VSOCK_SHUTDOWN_SEND }),
    new Uint8Array(0),
  );
  assert.equal(stream.shut, true, "host sees end of file");
  assert.equal(stream.closed, false, "the host may still answer");
  connection.hostData(new Uint8Array([9]));
  connection.hostEnded();
  assert.deepEqual(ops(drain()), ["RW 1", "SHUTDOWN", "RST"]);
  assert.equal(stream.closed, true);
  assert.equal(mux.size, 0);
});

Deno.test("mux: the host's end of file waits for its data, the guest's full shutdown ends it", () => {
  const { mux, stream, connection, drain } = connected();
  connection.hostData(new Uint8Array(2000));
  connection.hostEnded();
  const out = drain();
  assert.deepEqual(ops(out), ["RW 1000"], "no SHUTDOWN while data waits");
  mux.receive(
    fromGuest(VsockOp.CREDIT_UPDATE, { fwdCnt: 1000 }),
    new Uint8Array(0),
  );
  const rest = drain();
  assert.deepEqual(ops(rest), ["RW 1000", "SHUTDOWN"]);
  assert.equal(rest[1].header.flags, VSOCK_SHUTDOWN_SEND);
  assert.equal(mux.size, 1, "the guest may still send");
  mux.receive(
    fromGuest(VsockOp.SHUTDOWN, {
      flags: VSOCK_SHUTDOWN_SEND | VSOCK_SHUTDOWN_RCV,
    }),
    new Uint8Array(0),
  );
  assert.deepEqual(ops(drain()), ["RST"]);
  assert.equal(stream.closed, true);
});

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

Deno.test("mux: credit is announced every 64 KiB even with a large buffer", () => {
  const { mux, drain, streams } = setUp({ bufAlloc: 4 * 1024 * 1024 });
  mux.receive(fromGuest(VsockOp.REQUEST), new Uint8Array(0));
  assert.equal(drain()[0].header.bufAlloc, 4 * 1024 * 1024);
  mux.receive(fromGuest(VsockOp.RW, { len: 60_000 }), new Uint8Array(60_000));
  assert.deepEqual(drain(), []);
  mux.receive(fromGuest(VsockOp.RW, { len: 6_000 }), new Uint8Array(6_000));
  const [update] = drain();
  assert.equal(update.header.op, VsockOp.CREDIT_UPDATE);
  assert.equal(update.header.fwdCnt, 66_000);
  assert.equal(streams[0].written.length, 66_000);
});
