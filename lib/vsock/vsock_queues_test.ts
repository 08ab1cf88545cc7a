import assert from "node:assert/strict";
import { GuestMemory } from "./guest_memory.ts";
import {
  MAX_CHAIN_SEGMENTS,
  SplitVirtqueue,
  VIRTQ_DESC_F_NEXT,
} from "./split_virtqueue.ts";
import { CONTROL_QUEUE_LIMIT, VsockMux } from "./vsock_mux.ts";
import {
  MAX_CHAINS_PER_PUMP,
  type PumpReport,
  QueuePump,
} from "./vsock_queues.ts";
import {
  decodeVsockHeader,
  encodeVsockHeader,
  opName,
  type VsockHeader,
  VsockOp,
} from "./vsock_packet.ts";
import {
  countingRawMemory,
  DriverRing,
  FAKE_HOST_BASE,
  fakeGuestMemory,
  FakeVsockGuest,
} from "./_test_guest.ts";
import { FakeStream, fromGuest, GUEST, SERVICE } from "./_test_stream.ts";

function packet(op: number, extra: Partial<VsockHeader> = {}): Uint8Array {
  return encodeVsockHeader(fromGuest(op, extra));
}

/** A guest, a mux with one service, a pump, and the device's queues. */
function setUp(guest = new FakeVsockGuest()) {
  const mux = new VsockMux({
    guestCid: GUEST,
    services: new Map([[SERVICE, "/run/service.sock"]]),
    connect: () => new FakeStream(),
  });
  const events: Parameters<PumpReport>[0][] = [];
  const pump = new QueuePump(mux, (event) => events.push(event));
  const tx = new SplitVirtqueue(guest.memory, guest.tx.layout);
  const rx = new SplitVirtqueue(guest.memory, guest.rx.layout);
  const run = () => pump.pump(guest.memory, tx, rx);
  return { guest, mux, pump, events, run };
}

Deno.test("queues: a guest that never reads is not read either, until it reads", () => {
  const { guest, mux, run } = setUp();
  // Requests to a port without a service, each from a new port (so none
  // merge), sent as fast as the device takes them; no rx buffer posted.
  let sent = 0;
  const send = () => {
    while (
      guest.send(packet(VsockOp.REQUEST, { dstPort: 22, srcPort: sent }))
    ) {
      sent++;
    }
  };
  for (let round = 0; sent < 100_000 && round < 100_000; round++) {
    send();
    const result = run();
    if (!result.more && guest.txPending === 128) break;
  }
  assert.ok(
    sent <= CONTROL_QUEUE_LIMIT + 2 * 128,
    `the device stopped taking packets (took ${sent - guest.txPending})`,
  );
  assert.equal(guest.txPending, 128, "the guest's tx ring is full, waiting");
  assert.equal(mux.controlBacklog, CONTROL_QUEUE_LIMIT);
  assert.ok(mux.congested);

  // The guest reads: its RSTs come, in order, and its tx is taken again.
  let received: VsockHeader[] = [];
  for (
    let round = 0;
    round < 1000 && (guest.txPending > 0 || mux.hasOutgoing());
    round++
  ) {
    while (guest.postRx());
    run();
    received = received.concat(guest.received().map(decodeVsockHeader));
  }
  assert.equal(guest.txPending, 0, "tx taken again");
  assert.equal(mux.controlStats.dropped, 0, "backpressure, not loss");
  assert.deepEqual(
    received.map((h) => [opName(h.op), h.srcPort, h.dstPort]),
    Array.from({ length: sent }, (_, port) => ["RST", 22, port]),
    "every refusal, in order",
  );
});

Deno.test("queues: a hostile ring costs a bounded number of descriptor reads", async (t) => {
  const size = 1024;
  const ring = 0x10000n;
  const setUpRing = (chainLength: number) => {
    const plain = fakeGuestMemory();
    // Count reads of the descriptor table (16 bytes each, one per read).
    const counting = countingRawMemory(
      plain.raw,
      FAKE_HOST_BASE,
      FAKE_HOST_BASE + BigInt(16 * size),
    );
    const memory = new GuestMemory(plain.memory.regions, counting);
    const driver = new DriverRing(memory, ring, size);
    // One chain of zero-length descriptors, and every slot offers it.
    for (let i = 0; i < chainLength; i++) {
      driver.setDescriptor(i, {
        address: 0x80000n,
        length: 0,
        flags: i + 1 < chainLength ? VIRTQ_DESC_F_NEXT : 0,
        next: i + 1,
      });
    }
    for (let slot = 0; slot < size; slot++) driver.offer(0);
    const guest = new FakeVsockGuest(128, memory);
    const context = setUp(guest);
    const tx = new SplitVirtqueue(memory, driver.layout);
    const pump = () => context.pump.pump(memory, tx, undefined);
    return { ...context, counting, pump };
  };

  await t.step("a chain of every descriptor breaks the ring at once", () => {
    const { counting, pump, events } = setUpRing(size);
    assert.equal(pump().more, false);
    assert.ok(
      counting.reads <= MAX_CHAIN_SEGMENTS + 1,
      `${counting.reads} descriptor reads`,
    );
    assert.match(
      (events[0] as { reason: string }).reason,
      /over 64 descriptors/,
    );
  });

  await t.step("chains as long as allowed: a share per pump, then more", () => {
    const { counting, pump, events } = setUpRing(MAX_CHAIN_SEGMENTS);
    let pumps = 0;
    for (let more = true; more; pumps++) {
      const before = counting.reads;
      more = pump().more;
      assert.ok(
        counting.reads - before <= MAX_CHAINS_PER_PUMP * MAX_CHAIN_SEGMENTS,
        `${counting.reads - before} descriptor reads in one pump`,
      );
    }
    assert.equal(pumps, size / MAX_CHAINS_PER_PUMP);
    assert.equal(counting.reads, size * MAX_CHAIN_SEGMENTS);
    assert.equal(events.length, size, "each chain dropped (no header)");
  });
});

Deno.test("queues: rx buffers too small for a packet cost a share per pump", () => {
  const { guest, mux, run } = setUp();
  mux.connectToGuest(6000, new FakeStream());
  for (let i = 0; i < 128; i++) guest.postRx(8);
  const first = run();
  assert.equal(first.more, true);
  assert.equal(guest.received().length, MAX_CHAINS_PER_PUMP);
  assert.equal(run().more, false);
  assert.equal(guest.received().length, 128 - MAX_CHAINS_PER_PUMP);
  assert.ok(mux.hasOutgoing(), "the REQUEST still waits for a real buffer");
});

Deno.test("queues: a CID above 2^32 drops that packet; the next one is served", () => {
  const { guest, pump, events, run } = setUp();
  const wide = packet(VsockOp.REQUEST);
  new DataView(wide.buffer).setBigUint64(8, 1n << 32n, true); // dst_cid
  guest.send(wide);
  guest.send(packet(VsockOp.REQUEST));
  guest.postRx();
  run();
  assert.equal(pump.dropped, 1);
  assert.equal(pump.broken, false);
  assert.match((events[0] as { reason: string }).reason, /CID above 2\^32/);
  const [response] = guest.received().map(decodeVsockHeader);
  assert.equal(response.op, VsockOp.RESPONSE);
  assert.equal(response.dstPort, 1234);
});

Deno.test("queues: a broken ring stops the device until its rings are set up again", () => {
  const { guest, pump, events, mux, run } = setUp();
  guest.send(packet(VsockOp.REQUEST));
  guest.postRx();
  run();
  assert.equal(mux.size, 1);
  // A chain that loops.
  guest.tx.setDescriptor(5, {
    address: 0x20000n,
    length: 1,
    flags: VIRTQ_DESC_F_NEXT,
    next: 5,
  });
  guest.tx.offer(5);
  assert.equal(run().more, false);
  assert.equal(pump.broken, true);
  assert.match(
    (events.at(-1) as { reason: string }).reason,
    /over 64 descriptors/,
  );
  assert.equal(mux.size, 0, "its connections are gone");

  // The guest resets the device; QEMU sets up new rings.
  const reset = new FakeVsockGuest();
  const tx = new SplitVirtqueue(reset.memory, reset.tx.layout);
  const rx = new SplitVirtqueue(reset.memory, reset.rx.layout);
  reset.send(packet(VsockOp.REQUEST));
  reset.postRx();
  assert.equal(pump.pump(reset.memory, tx, rx).txUsed, false, "still broken");
  pump.restart();
  assert.equal(pump.pump(reset.memory, tx, rx).txUsed, true);
  assert.equal(decodeVsockHeader(reset.received()[0]).op, VsockOp.RESPONSE);
  assert.equal(mux.size, 1);
});
