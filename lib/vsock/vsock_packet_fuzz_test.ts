import assert from "node:assert/strict";
import { fuzzSeed, xorshift } from "../io/_test_fuzz.ts";
import type { HostStream } from "./vsock_connection.ts";
import { CONTROL_QUEUE_LIMIT, VsockMux } from "./vsock_mux.ts";
import {
  decodeVsockHeader,
  encodeVsockHeader,
  HOST_CID,
  VSOCK_HEADER_SIZE,
  VsockPacketError,
} from "./vsock_packet.ts";
import { QueuePump } from "./vsock_queues.ts";
import { SplitVirtqueue } from "./split_virtqueue.ts";
import { FakeVsockGuest } from "./_test_guest.ts";
import { mutate, NASTY, randomBytes } from "./_test_mutate.ts";
import { fromGuest, GUEST, SERVICE } from "./_test_stream.ts";

const ROUNDS = 100_000;

/** A valid packet from the guest: a few ports, any op, a short payload. */
function validPacket(next: () => number): Uint8Array {
  const payload = randomBytes(next, next() % 3 ? 0 : next() % 80);
  const header = fromGuest(1 + next() % 7, {
    srcPort: 1000 + next() % 4,
    dstPort: next() % 4 ? SERVICE : NASTY[next() % NASTY.length],
    len: payload.length,
    flags: next() % 4,
    bufAlloc: next() % 2 ? 65536 : NASTY[next() % NASTY.length],
    fwdCnt: next() % 2 ? 0 : next(),
  });
  const bytes = new Uint8Array(VSOCK_HEADER_SIZE + payload.length);
  encodeVsockHeader(header, bytes);
  bytes.set(payload, VSOCK_HEADER_SIZE);
  return bytes;
}

Deno.test("vsock packet fuzz: a header decodes exactly or is refused as a VsockPacketError", () => {
  const seed = fuzzSeed();
  const next = xorshift(seed);
  const counts = { decoded: 0, refused: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    const where = `seed ${seed}, round ${round}`;
    const bytes = mutate(next, validPacket(next));
    let header;
    try {
      header = decodeVsockHeader(bytes);
    } catch (error) {
      assert.ok(error instanceof VsockPacketError, `${where}: threw ${error}`);
      counts.refused++;
      continue;
    }
    counts.decoded++;
    assert.ok(header.srcCid <= 0xffff_ffff && header.dstCid <= 0xffff_ffff);
    assert.deepEqual(
      encodeVsockHeader(header),
      bytes.subarray(0, VSOCK_HEADER_SIZE),
      `${where}: decoding lost something`,
    );
  }
  for (const [path, count] of Object.entries(counts)) {
    assert.ok(count > ROUNDS / 50, `seed ${seed}: ${path} only ${count} times`);
  }
});

/** A host end that takes everything and keeps nothing. */
function sink(): HostStream {
  return {
    write: (bytes) => bytes.length,
    shutdownWrite() {},
    close() {},
    interest() {},
  };
}

Deno.test("vsock packet fuzz: packets through the tx path never break the device or grow it", () => {
  const seed = fuzzSeed();
  const next = xorshift(seed);
  const guest = new FakeVsockGuest(128);
  const mux = new VsockMux({
    guestCid: GUEST,
    services: new Map([[SERVICE, "/run/service.sock"]]),
    connect: sink,
    maxConnections: 8,
  });
  let events = 0;
  const pump = new QueuePump(mux, () => events++);
  const tx = new SplitVirtqueue(guest.memory, guest.tx.layout);
  const rx = new SplitVirtqueue(guest.memory, guest.rx.layout);
  const started = performance.now();
  let answered = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const where = `seed ${seed}, round ${round}`;
    let bytes = mutate(next, validPacket(next));
    if (bytes.length === 0) bytes = new Uint8Array(1);
    if (next() % 16 === 0) {
      // Now and then from another CID, or to one.
      const view = new DataView(bytes.buffer, bytes.byteOffset);
      if (bytes.length >= 16) view.setUint32(next() % 2 ? 0 : 8, HOST_CID);
    }
    while (!guest.send(bytes.subarray(0, 128))) {
      // The ring is full: the guest reads (sometimes), the device pumps.
      if (next() % 4) { while (guest.postRx()); }
      pump.pump(guest.memory, tx, rx);
      answered += guest.received().length;
    }
    if (next() % 8 === 0) pump.pump(guest.memory, tx, rx);
    assert.equal(pump.broken, false, `${where}: a packet broke the device`);
    assert.ok(mux.size <= 8, where);
    assert.ok(mux.controlBacklog <= CONTROL_QUEUE_LIMIT + 16, where);
  }
  const seconds = (performance.now() - started) / 1000;
  assert.ok(seconds < 60, `seed ${seed}: took ${seconds.toFixed(1)} s`);
  assert.ok(pump.dropped > ROUNDS / 50, `seed ${seed}: ${pump.dropped} drops`);
  assert.ok(answered > ROUNDS / 50, `seed ${seed}: ${answered} answers`);
  assert.ok(events > 0);
});
