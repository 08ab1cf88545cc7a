import assert from "node:assert/strict";
import {
  type ConnectionOwner,
  type ConnectionState,
  FROM_HOST_LIMIT,
  type MuxEvent,
  type OutgoingPacket,
  VsockConnection,
} from "./vsock_connection.ts";
import {
  headerToGuest,
  HOST_CID,
  VSOCK_SHUTDOWN_RCV,
  VSOCK_SHUTDOWN_SEND,
  VSOCK_TYPE_STREAM,
  VsockOp,
} from "./vsock_packet.ts";
import { FakeStream, fromGuest, GUEST, ops, SERVICE } from "./_test_stream.ts";

const NOTHING = new Uint8Array(0);

/**
 * One connection with a host end, its owner played the way the mux plays
 * it: control packets queue up and go out first, then data.
 */
function open(
  options: {
    bufAlloc?: number;
    state?: ConnectionState;
    peer?: { bufAlloc: number; fwdCnt: number };
  } = {},
) {
  const controls: { op: number; flags: number }[] = [];
  const events: MuxEvent[] = [];
  let forgotten = 0;
  const owner: ConnectionOwner = {
    sendControl: (_, op, flags = 0) => controls.push({ op, flags }),
    forget: () => forgotten++,
    report: (event) => events.push(event),
  };
  const connection = new VsockConnection(owner, {
    port: SERVICE,
    guestPort: 1234,
    guestCid: GUEST,
    bufAlloc: options.bufAlloc ?? 4096,
    state: options.state ?? "connected",
    peer: options.peer ?? { bufAlloc: 1000, fwdCnt: 0 },
  });
  const stream = new FakeStream();
  connection.attach(stream);
  /** Everything the connection has for the guest, within rx buffers of `room`. */
  const drain = (room = 4096): OutgoingPacket[] => {
    const out: OutgoingPacket[] = [];
    for (let more = true; more;) {
      for (const { op, flags } of controls.splice(0)) {
        out.push(
          forgotten === 0 ? connection.controlPacket(op, flags) : {
            header: headerToGuest({
              guestCid: GUEST,
              port: SERVICE,
              guestPort: 1234,
              op,
              flags,
            }),
            payload: NOTHING,
          },
        );
      }
      const data = connection.nextData(room - 44);
      if (data) out.push(data);
      more = data !== undefined || controls.length > 0;
    }
    return out;
  };
  const guest = (op: number, extra = {}, payload = NOTHING) =>
    connection.receive(
      fromGuest(op, { len: payload.length, ...extra }),
      payload,
    );
  return {
    connection,
    stream,
    events,
    drain,
    guest,
    forgotten: () => forgotten,
  };
}

Deno.test("connection: headers carry our buffer and what the host end took", () => {
  const { stream, drain, guest } = open({ bufAlloc: 4096 });
  guest(VsockOp.RW, {}, Uint8Array.of(1, 2, 3));
  assert.deepEqual(stream.written, [1, 2, 3]);
  guest(VsockOp.CREDIT_REQUEST);
  const [update] = drain();
  assert.deepEqual(update.header, {
    srcCid: HOST_CID,
    dstCid: GUEST,
    srcPort: SERVICE,
    dstPort: 1234,
    len: 0,
    type: VSOCK_TYPE_STREAM,
    op: VsockOp.CREDIT_UPDATE,
    flags: 0,
    bufAlloc: 4096,
    fwdCnt: 3,
  });
});

Deno.test("connection: the guest's credit bounds what is sent, and any header renews it", () => {
  const { connection, drain, guest } = open({
    peer: { bufAlloc: 1000, fwdCnt: 0 },
  });
  assert.equal(connection.credit, 1000);
  connection.hostData(new Uint8Array(3000));
  assert.deepEqual(ops(drain(500)), ["RW 456", "RW 456", "RW 88"]);
  assert.equal(connection.credit, 0);
  assert.equal(connection.hasData(), false, "bytes wait, credit does not");
  // The guest consumed 600 bytes; a CREDIT_UPDATE or any other op says so.
  guest(VsockOp.CREDIT_UPDATE, { fwdCnt: 600 });
  assert.equal(connection.credit, 600);
  assert.deepEqual(ops(drain()), ["RW 600"]);
  // A smaller buffer than what is in flight gives no credit, not less.
  guest(VsockOp.CREDIT_UPDATE, { bufAlloc: 100, fwdCnt: 600 });
  assert.equal(connection.credit, 0);
  guest(VsockOp.CREDIT_UPDATE, { bufAlloc: 10_000, fwdCnt: 1600 });
  assert.equal(connection.credit, 10_000);
  assert.deepEqual(ops(drain()), ["RW 1400"]);
});

Deno.test("connection: a blocked host end buffers guest bytes and holds back credit", () => {
  const { connection, stream, drain, guest } = open({ bufAlloc: 256 * 1024 });
  stream.room = 10;
  const chunk = new Uint8Array(40_000).map((_, i) => i);
  guest(VsockOp.RW, {}, chunk);
  assert.equal(stream.written.length, 10);
  assert.deepEqual(stream.wants, { read: true, write: true });
  assert.deepEqual(drain(), [], "no credit update for 10 bytes");
  guest(VsockOp.RW, {}, chunk);
  assert.equal(stream.written.length, 10, "order kept behind the buffer");
  stream.room = Infinity;
  connection.hostWritable();
  assert.deepEqual(stream.written, [...chunk, ...chunk]);
  assert.deepEqual(stream.wants, { read: true, write: false });
  // 80 000 bytes forwarded, over a quarter of the buffer: announced once.
  const [update, ...rest] = drain();
  assert.deepEqual(rest, []);
  assert.equal(update.header.op, VsockOp.CREDIT_UPDATE);
  assert.equal(update.header.fwdCnt, 80_000);
  // Announced means nothing new is due; asking still gets an answer.
  connection.hostWritable();
  assert.deepEqual(drain(), []);
  guest(VsockOp.CREDIT_REQUEST);
  guest(VsockOp.CREDIT_REQUEST);
  assert.deepEqual(ops(drain()), ["CREDIT_UPDATE"], "one update queued");
});

Deno.test("connection: credit updates go out every 64 KiB even with a large buffer", () => {
  const { stream, drain, guest } = open({ bufAlloc: 4 * 1024 * 1024 });
  guest(VsockOp.RW, {}, new Uint8Array(60_000));
  assert.deepEqual(drain(), []);
  guest(VsockOp.RW, {}, new Uint8Array(6_000));
  const [update] = drain();
  assert.equal(update.header.op, VsockOp.CREDIT_UPDATE);
  assert.equal(update.header.fwdCnt, 66_000);
  assert.equal(update.header.bufAlloc, 4 * 1024 * 1024);
  assert.equal(stream.written.length, 66_000);
});

Deno.test("connection: a guest sending past its credit is reset", () => {
  const { connection, stream, drain, guest, events } = open({ bufAlloc: 1000 });
  stream.room = 0;
  guest(VsockOp.RW, {}, new Uint8Array(1000));
  assert.equal(stream.closed, false, "exactly the credit is fine");
  guest(VsockOp.RW, {}, new Uint8Array(1));
  assert.deepEqual(ops(drain()), ["RST"]);
  assert.equal(stream.closed, true);
  assert.match((events.at(-2) as { reason: string }).reason, /overran/);
  assert.deepEqual(events.at(-1), {
    kind: "closed",
    port: SERVICE,
    guestPort: 1234,
  });
  assert.equal(connection.hasData(), false);
});

Deno.test("connection: the guest's SHUTDOWN(SEND) reaches the host once its bytes have", () => {
  const { connection, stream, drain, guest, forgotten } = open();
  stream.room = 1;
  guest(VsockOp.RW, {}, Uint8Array.of(7, 8));
  guest(VsockOp.SHUTDOWN, { flags: VSOCK_SHUTDOWN_SEND });
  assert.equal(stream.shut, false, "a byte is still on its way");
  stream.room = Infinity;
  connection.hostWritable();
  assert.deepEqual(stream.written, [7, 8]);
  assert.equal(stream.shut, true, "host sees end of file");
  assert.equal(stream.closed, false, "the host may still answer");
  connection.hostData(Uint8Array.of(9));
  connection.hostEnded();
  assert.deepEqual(ops(drain()), ["RW 1", "SHUTDOWN", "RST"]);
  assert.equal(stream.closed, true);
  assert.equal(forgotten(), 1);
});

Deno.test("connection: the host's end of file waits for its bytes; the guest's full shutdown ends it", () => {
  const { connection, stream, drain, guest } = open();
  connection.hostData(new Uint8Array(2000));
  connection.hostEnded();
  assert.deepEqual(stream.wants, { read: false, write: false });
  assert.deepEqual(ops(drain()), ["RW 1000"], "no SHUTDOWN while data waits");
  guest(VsockOp.CREDIT_UPDATE, { fwdCnt: 1000 });
  const rest = drain();
  assert.deepEqual(ops(rest), ["RW 1000", "SHUTDOWN"]);
  assert.equal(rest[1].header.flags, VSOCK_SHUTDOWN_SEND);
  assert.equal(stream.closed, false, "the guest may still send");
  guest(VsockOp.SHUTDOWN, { flags: VSOCK_SHUTDOWN_SEND | VSOCK_SHUTDOWN_RCV });
  assert.deepEqual(ops(drain()), ["RST"]);
  assert.equal(stream.closed, true);
});

Deno.test("connection: SHUTDOWN(RCV) drops what waits for the guest and stops reading", () => {
  const { connection, stream, drain, guest } = open();
  connection.hostData(new Uint8Array(5000));
  guest(VsockOp.SHUTDOWN, { flags: VSOCK_SHUTDOWN_RCV });
  assert.deepEqual(stream.wants, { read: false, write: false });
  connection.hostData(new Uint8Array(10));
  assert.deepEqual(drain(), []);
  // SEND as well: both directions are done.
  guest(VsockOp.SHUTDOWN, { flags: VSOCK_SHUTDOWN_SEND });
  assert.deepEqual(ops(drain()), ["RST"], "both ways shut: over");
  assert.equal(stream.closed, true);
});

Deno.test("connection: data after the guest's SHUTDOWN(SEND) resets", () => {
  const { stream, drain, guest } = open();
  guest(VsockOp.SHUTDOWN, { flags: VSOCK_SHUTDOWN_SEND });
  guest(VsockOp.RW, {}, Uint8Array.of(1));
  assert.deepEqual(ops(drain()), ["RST"]);
  assert.equal(stream.closed, true);
});

Deno.test("connection: host read-ahead is bounded", () => {
  const { connection, stream } = open();
  assert.deepEqual(stream.wants, { read: true, write: false });
  connection.hostData(new Uint8Array(FROM_HOST_LIMIT - 1));
  assert.deepEqual(stream.wants, { read: true, write: false });
  connection.hostData(new Uint8Array(1));
  assert.deepEqual(stream.wants, { read: false, write: false });
});

Deno.test("connection: reset sends one RST; close tells the guest nothing", () => {
  const { connection, stream, drain, forgotten } = open();
  connection.reset();
  connection.reset();
  connection.hostFailed();
  assert.deepEqual(ops(drain()), ["RST"]);
  assert.equal(stream.closed, true);
  assert.equal(forgotten(), 1);
  // Whatever the host end still reports goes nowhere.
  connection.hostData(Uint8Array.of(1));
  connection.hostEnded();
  assert.deepEqual(drain(), []);

  const other = open();
  other.connection.hostData(Uint8Array.of(1));
  other.guest(VsockOp.RST);
  assert.equal(other.stream.closed, true);
  assert.deepEqual(other.drain(), [], "a RST is never answered");
  other.connection.close();
  assert.equal(other.forgotten(), 1);
});

Deno.test("connection: a failing host end, out of order or unknown ops reset", () => {
  const failing = open();
  failing.stream.failWrites = true;
  failing.guest(VsockOp.RW, {}, Uint8Array.of(1));
  assert.deepEqual(ops(failing.drain()), ["RST"]);

  const unshut = open();
  unshut.stream.failShutdown = true;
  unshut.guest(VsockOp.SHUTDOWN, { flags: VSOCK_SHUTDOWN_SEND });
  assert.deepEqual(ops(unshut.drain()), ["RST"]);

  for (const op of [VsockOp.RESPONSE, VsockOp.REQUEST, 99]) {
    const { drain, guest, stream } = open();
    guest(op);
    assert.deepEqual(ops(drain()), ["RST"], `op ${op}`);
    assert.equal(stream.closed, true);
  }
});

Deno.test("connection: a host → guest connection waits for RESPONSE", () => {
  const { connection, stream, drain, guest, events } = open({
    state: "connecting",
    peer: { bufAlloc: 0, fwdCnt: 0 },
  });
  assert.deepEqual(stream.wants, { read: false, write: false });
  connection.hostData(Uint8Array.of(1, 2));
  assert.equal(connection.hasData(), false, "no data before the guest accepts");
  guest(VsockOp.RESPONSE);
  assert.equal(stream.establishedCalls, 1);
  assert.equal(events[0].kind, "connected");
  assert.deepEqual(stream.wants, { read: true, write: false });
  assert.deepEqual(ops(drain()), ["RW 2"]);

  const early = open({ state: "connecting" });
  early.guest(VsockOp.RW, {}, Uint8Array.of(1));
  assert.deepEqual(ops(early.drain()), ["RST"], "data before RESPONSE");
});
