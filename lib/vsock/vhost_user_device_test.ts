import assert from "node:assert/strict";
import {
  DEVICE_FEATURES,
  DEVICE_PROTOCOL_FEATURES,
  type DevicePlatform,
  VhostUserVsockDevice,
  VSOCK_RX_QUEUE,
  VSOCK_TX_QUEUE,
} from "./vhost_user_device.ts";
import {
  decodeHeader,
  VHOST_USER_HEADER_SIZE,
  VHOST_USER_NEED_REPLY_FLAG,
  VHOST_USER_VERSION,
  VhostUserRequest as R,
} from "./vhost_user_message.ts";
import { drainTxQueue, fillRxQueue } from "./vsock_queues.ts";
import { VsockMux } from "./vsock_mux.ts";
import type { HostStream } from "./vsock_connection.ts";
import {
  decodeVsockHeader,
  encodeVsockHeader,
  HOST_CID,
  VSOCK_HEADER_SIZE,
  VSOCK_TYPE_STREAM,
  VsockOp,
} from "./vsock_packet.ts";
import { VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE } from "./split_virtqueue.ts";
import { DriverRing, FAKE_HOST_BASE, fakeRawMemory } from "./_test_guest.ts";
import { GuestMemory } from "./guest_memory.ts";

const GUEST_BASE = 0x4000_0000n;
const QEMU_BASE = 0x7f12_0000_0000n;
const RAM = 1 << 20;

/** A platform whose "fds" map onto one fake buffer; records closes. */
function fakePlatform() {
  const raw = fakeRawMemory(RAM);
  const closed: number[] = [];
  const mapped: bigint[] = [];
  const platform: DevicePlatform = {
    map(fd, length) {
      assert.equal(fd, 50, "the region's fd");
      assert.equal(length, BigInt(RAM));
      mapped.push(FAKE_HOST_BASE);
      return FAKE_HOST_BASE;
    },
    unmap(address) {
      mapped.splice(mapped.indexOf(address), 1);
    },
    close: (fd) => closed.push(fd),
    raw,
  };
  return { platform, closed, mapped, raw };
}

function message(
  request: number,
  payload: Uint8Array = new Uint8Array(0),
  fds: number[] = [],
  flags = VHOST_USER_VERSION,
) {
  return {
    header: { request, flags, size: payload.length },
    payload,
    fds,
  };
}

function u64(value: bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, value, true);
  return bytes;
}

function u32s(...values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  values.forEach((v, i) =>
    new DataView(bytes.buffer).setUint32(i * 4, v, true)
  );
  return bytes;
}

function replyPayload(reply: Uint8Array | undefined): DataView {
  assert.ok(reply);
  const header = decodeHeader(reply);
  assert.equal(header.flags & 0x4, 0x4, "REPLY flag");
  return new DataView(reply.buffer, reply.byteOffset + VHOST_USER_HEADER_SIZE);
}

function memoryTable(): Uint8Array {
  const bytes = new Uint8Array(8 + 32);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 1, true);
  view.setBigUint64(8, GUEST_BASE, true);
  view.setBigUint64(16, BigInt(RAM), true);
  view.setBigUint64(24, QEMU_BASE, true);
  view.setBigUint64(32, 0n, true);
  return bytes;
}

function vringAddress(index: number, ring: DriverRing): Uint8Array {
  const bytes = new Uint8Array(40);
  const view = new DataView(bytes.buffer);
  const user = (guest: bigint) => guest - GUEST_BASE + QEMU_BASE;
  view.setUint32(0, index, true);
  view.setBigUint64(8, user(ring.layout.descriptors), true);
  view.setBigUint64(16, user(ring.layout.used), true);
  view.setBigUint64(24, user(ring.layout.available), true);
  return bytes;
}

Deno.test("vhost-user device: negotiation as QEMU does it, CID in config space", () => {
  const { platform } = fakePlatform();
  const device = new VhostUserVsockDevice(42, platform);
  assert.equal(
    replyPayload(device.handle(message(R.GET_FEATURES))).getBigUint64(0, true),
    DEVICE_FEATURES,
  );
  assert.equal(
    replyPayload(device.handle(message(R.GET_PROTOCOL_FEATURES)))
      .getBigUint64(0, true),
    DEVICE_PROTOCOL_FEATURES,
  );
  assert.equal(
    device.handle(
      message(R.SET_PROTOCOL_FEATURES, u64(DEVICE_PROTOCOL_FEATURES)),
    ),
    undefined,
  );
  // With REPLY_ACK agreed, NEED_REPLY gets a zero status.
  const ack = device.handle(
    message(
      R.SET_OWNER,
      undefined,
      [],
      VHOST_USER_VERSION | VHOST_USER_NEED_REPLY_FLAG,
    ),
  );
  assert.equal(replyPayload(ack).getBigUint64(0, true), 0n);
  const config = replyPayload(
    device.handle(
      message(
        R.GET_CONFIG,
        u32s(0, 8, 0, 0, 0),
      ),
    ),
  );
  assert.equal(config.getUint32(4, true), 8);
  assert.equal(config.getBigUint64(12, true), 42n);
  const refused: string[] = [];
  device.onRefused = (reason) => refused.push(reason);
  assert.equal(
    device.handle(message(R.SET_FEATURES, u64(1n << 28n))),
    undefined,
    "refused, and no reply asked for",
  );
  assert.match(refused[0], /SET_FEATURES refused: .*not offered/);
  device.handle(message(R.SET_FEATURES, u64(DEVICE_FEATURES)));
  assert.equal(device.features, DEVICE_FEATURES);
  assert.equal(device.handle(message(40)), undefined);
  assert.match(refused[1], /request 40 refused: request 40 is not supported/);
});

Deno.test("vhost-user device: memory, rings and eventfds; a REQUEST in, a RESPONSE out", () => {
  const { platform, closed, mapped, raw } = fakePlatform();
  const device = new VhostUserVsockDevice(42, platform);
  const kicks: [number, number | undefined][] = [];
  device.onKick = (index, fd) => kicks.push([index, fd]);
  device.handle(message(R.SET_MEM_TABLE, memoryTable(), [50]));
  assert.deepEqual(closed, [50], "the region fd is closed once mapped");
  assert.equal(mapped.length, 1);

  // The driver's view of the same memory.
  const guest = new GuestMemory([{
    guestAddress: GUEST_BASE,
    size: BigInt(RAM),
    userAddress: QEMU_BASE,
    hostAddress: FAKE_HOST_BASE,
  }], raw);
  const rx = new DriverRing(guest, GUEST_BASE, 8);
  const tx = new DriverRing(guest, GUEST_BASE + 0x1000n, 8);
  for (
    const [index, ring] of [[VSOCK_RX_QUEUE, rx], [VSOCK_TX_QUEUE, tx]] as const
  ) {
    device.handle(message(R.SET_VRING_NUM, u32s(index, 8)));
    device.handle(message(R.SET_VRING_BASE, u32s(index, 0)));
    device.handle(message(R.SET_VRING_ADDR, vringAddress(index, ring)));
    assert.equal(device.queue(index), undefined, "not started before its kick");
    device.handle(message(R.SET_VRING_KICK, u64(BigInt(index)), [60 + index]));
    device.handle(message(R.SET_VRING_CALL, u64(BigInt(index)), [70 + index]));
    assert.ok(device.queue(index));
    assert.equal(device.callFd(index), 70 + index);
  }
  assert.deepEqual(kicks, [[0, 60], [1, 61]]);

  // The guest sends a REQUEST (header and payload in separate descriptors,
  // as Linux 6.1 does) and posts an rx buffer.
  const packet = GUEST_BASE + 0x10000n;
  guest.write(
    packet,
    encodeVsockHeader({
      srcCid: 42,
      dstCid: HOST_CID,
      srcPort: 1111,
      dstPort: 7000,
      len: 0,
      type: VSOCK_TYPE_STREAM,
      op: VsockOp.REQUEST,
      flags: 0,
      bufAlloc: 4096,
      fwdCnt: 0,
    }),
  );
  tx.setDescriptor(0, {
    address: packet,
    length: VSOCK_HEADER_SIZE,
    flags: VIRTQ_DESC_F_NEXT,
    next: 1,
  });
  tx.setDescriptor(1, { address: packet + 0x100n, length: 0, flags: 0 });
  tx.offer(0);
  rx.setDescriptor(3, {
    address: GUEST_BASE + 0x20000n,
    length: 4096,
    flags: VIRTQ_DESC_F_WRITE,
  });
  rx.offer(3);

  const opened: string[] = [];
  const mux = new VsockMux({
    guestCid: 42,
    services: new Map([[7000, "/run/wayland.sock"]]),
    connect(path): HostStream {
      opened.push(path);
      return {
        write: (bytes) => bytes.length,
        shutdownWrite() {},
        close() {},
        interest() {},
      };
    },
  });
  const drops: string[] = [];
  const memory = device.memory!;
  assert.deepEqual(
    drainTxQueue(
      memory,
      device.queue(VSOCK_TX_QUEUE)!,
      mux,
      (r) => drops.push(r),
    ),
    { used: true, stopped: "done" },
  );
  assert.deepEqual(opened, ["/run/wayland.sock"]);
  assert.deepEqual(tx.usedElement(0), { id: 0, length: 0 });
  assert.deepEqual(fillRxQueue(memory, device.queue(VSOCK_RX_QUEUE)!, mux), {
    used: true,
    stopped: "done",
  });
  assert.deepEqual(rx.usedElement(0), { id: 3, length: VSOCK_HEADER_SIZE });
  const header = new Uint8Array(VSOCK_HEADER_SIZE);
  guest.read(GUEST_BASE + 0x20000n, header);
  const response = decodeVsockHeader(header);
  assert.equal(response.op, VsockOp.RESPONSE);
  assert.deepEqual(
    [response.srcCid, response.srcPort, response.dstCid, response.dstPort],
    [HOST_CID, 7000, 42, 1111],
  );

  // A packet whose header claims more than its buffer holds is dropped.
  guest.write(packet + 24n, u32s(5000));
  tx.offer(0);
  drainTxQueue(
    memory,
    device.queue(VSOCK_TX_QUEUE)!,
    mux,
    (r) => drops.push(r),
  );
  assert.match(drops[0], /claims 5000 payload bytes/);

  // GET_VRING_BASE stops a ring and answers where it stopped.
  const base = replyPayload(
    device.handle(message(R.GET_VRING_BASE, u32s(1, 0))),
  );
  assert.equal(base.getUint32(4, true), 2);
  assert.equal(device.queue(VSOCK_TX_QUEUE), undefined);
  assert.deepEqual(kicks.at(-1), [1, undefined]);
  assert.ok(closed.includes(61), "its kick fd closed");

  device.close();
  assert.deepEqual(mapped, [], "memory unmapped");
  for (const fd of [60, 61, 70, 71]) assert.ok(closed.includes(fd), `fd ${fd}`);
});

Deno.test("vhost-user device: fds of refused messages are closed, not leaked", () => {
  const { platform, closed } = fakePlatform();
  const device = new VhostUserVsockDevice(3, platform);
  const refused: string[] = [];
  device.onRefused = (reason) => refused.push(reason);
  device.handle(message(R.SET_MEM_TABLE, memoryTable(), [50, 51]));
  device.handle(message(R.SET_VRING_KICK, u64(7n), [52]));
  device.handle(message(R.SET_VRING_CALL, u64(0x100n)));
  assert.equal(refused.length, 3);
  assert.match(refused[0], /1 regions came with 2 fds/);
  assert.match(refused[1], /queue 7 does not exist/);
  assert.match(refused[2], /polling mode/);
  assert.deepEqual(closed.sort(), [50, 51, 52]);
});

Deno.test("vhost-user device: refused messages are answered where QEMU waits, and it goes on", () => {
  const { platform } = fakePlatform();
  const device = new VhostUserVsockDevice(42, platform);
  const refused: string[] = [];
  device.onRefused = (reason) => refused.push(reason);
  device.handle(
    message(R.SET_PROTOCOL_FEATURES, u64(DEVICE_PROTOCOL_FEATURES)),
  );
  const needReply = VHOST_USER_VERSION | VHOST_USER_NEED_REPLY_FLAG;
  const status = (reply: Uint8Array | undefined) =>
    replyPayload(reply).getBigUint64(0, true);

  // An unknown request: a failure status if asked for, else nothing.
  assert.equal(
    status(device.handle(message(99, undefined, [], needReply))),
    1n,
  );
  assert.equal(device.handle(message(99)), undefined);
  // A payload too short for its request.
  assert.equal(
    status(device.handle(message(R.SET_VRING_NUM, u32s(0), [], needReply))),
    1n,
  );
  // GET requests always answer: an empty payload says it failed.
  const empty = (reply: Uint8Array | undefined) => {
    assert.ok(reply);
    assert.equal(decodeHeader(reply).size, 0);
    assert.equal(reply.length, VHOST_USER_HEADER_SIZE);
  };
  empty(device.handle(message(R.GET_VRING_BASE, u32s(0))));
  empty(device.handle(message(R.GET_VRING_BASE, u32s(9, 0))));
  // A config read of 16 MiB allocates nothing of that size.
  empty(device.handle(message(R.GET_CONFIG, u32s(0, 1 << 24, 0))));
  assert.equal(refused.length, 6);
  assert.match(refused[5], /GET_CONFIG refused: .*16777216 bytes/);

  // Still serving.
  assert.equal(
    replyPayload(device.handle(message(R.GET_FEATURES))).getBigUint64(0, true),
    DEVICE_FEATURES,
  );
  assert.equal(
    replyPayload(device.handle(message(R.GET_CONFIG, u32s(0, 8, 0))))
      .getBigUint64(12, true),
    42n,
  );
});

Deno.test("vhost-user device: a memory table that loses the rings stops them, none left on unmapped memory", () => {
  const { platform, raw } = fakePlatform();
  const device = new VhostUserVsockDevice(42, platform);
  const refused: string[] = [];
  device.onRefused = (reason) => refused.push(reason);
  device.handle(message(R.SET_MEM_TABLE, memoryTable(), [50]));
  const guest = new GuestMemory([{
    guestAddress: GUEST_BASE,
    size: BigInt(RAM),
    userAddress: QEMU_BASE,
    hostAddress: FAKE_HOST_BASE,
  }], raw);
  for (const index of [VSOCK_RX_QUEUE, VSOCK_TX_QUEUE]) {
    const ring = new DriverRing(guest, GUEST_BASE + BigInt(index) * 0x1000n, 8);
    device.handle(message(R.SET_VRING_NUM, u32s(index, 8)));
    device.handle(message(R.SET_VRING_ADDR, vringAddress(index, ring)));
    device.handle(message(R.SET_VRING_KICK, u64(BigInt(index)), [60 + index]));
    assert.ok(device.queue(index));
  }
  // The same memory, but QEMU now says it sits elsewhere in its space.
  const moved = memoryTable();
  new DataView(moved.buffer).setBigUint64(24, QEMU_BASE + (1n << 32n), true);
  device.handle(message(R.SET_MEM_TABLE, moved, [50]));
  assert.match(refused[0], /SET_MEM_TABLE refused: .*in no memory region/);
  assert.equal(device.queue(VSOCK_RX_QUEUE), undefined);
  assert.equal(device.queue(VSOCK_TX_QUEUE), undefined);
  device.close();
});
