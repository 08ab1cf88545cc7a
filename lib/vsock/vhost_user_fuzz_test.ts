import assert from "node:assert/strict";
import { QubesifyError } from "../errors/mod.ts";
import { fuzzSeed, xorshift } from "../io/_test_fuzz.ts";
import {
  type DevicePlatform,
  VhostUserVsockDevice,
  VSOCK_RX_QUEUE,
  VSOCK_TX_QUEUE,
} from "./vhost_user_device.ts";
import {
  decodeHeader,
  oversizedPayload,
  VHOST_USER_HEADER_SIZE,
  VHOST_USER_NEED_REPLY_FLAG,
  VHOST_USER_REPLY_FLAG,
  VHOST_USER_VERSION,
  VhostUserProtocolError,
  VhostUserRequest as R,
} from "./vhost_user_message.ts";
import { VsockMux } from "./vsock_mux.ts";
import { QueuePump } from "./vsock_queues.ts";
import { FAKE_HOST_BASE, fakeRawMemory } from "./_test_guest.ts";
import { mutate, NASTY, randomBytes } from "./_test_mutate.ts";

const ROUNDS = 100_000;
const RAM = 1 << 20;
/** Where QEMU's table usually puts guest RAM in its own address space. */
const QEMU_BASE = 0x7f12_0000_0000n;

/** mmap refused (a length past the file, say). */
class FakeMapError extends QubesifyError {}

function le(...values: [number | bigint, 4 | 8][]): Uint8Array {
  const bytes = new Uint8Array(values.reduce((sum, [, w]) => sum + w, 0));
  const view = new DataView(bytes.buffer);
  let at = 0;
  for (const [value, width] of values) {
    if (width === 8) view.setBigUint64(at, BigInt(value), true);
    else view.setUint32(at, Number(value), true);
    at += width;
  }
  return bytes;
}

/** A payload QEMU could send with `request`. */
function validPayload(next: () => number, request: number): Uint8Array {
  const index = next() % 4;
  switch (request) {
    case R.SET_FEATURES:
    case R.SET_PROTOCOL_FEATURES:
      return le([BigInt(next()) | BigInt(next()) << 32n, 8]);
    case R.SET_MEM_TABLE:
      return le([1, 4], [0, 4], [0x10000, 8], [RAM, 8], [QEMU_BASE, 8], [
        0,
        8,
      ]);
    case R.SET_VRING_NUM:
    case R.SET_VRING_BASE:
    case R.SET_VRING_ENABLE:
    case R.GET_VRING_BASE:
      return le([index, 4], [1 << (next() % 9), 4]);
    case R.SET_VRING_ADDR: {
      const at = (offset: number) => QEMU_BASE + BigInt(offset);
      return le(
        [index, 4],
        [0, 4],
        [at(0x1000 * index), 8],
        [
          at(0x1000 * index + 0x800),
          8,
        ],
        [at(0x1000 * index + 0x400), 8],
        [0, 8],
      );
    }
    case R.SET_VRING_KICK:
    case R.SET_VRING_CALL:
    case R.SET_VRING_ERR:
      return le([index | (next() % 8 ? 0 : 0x100), 8]);
    case R.GET_CONFIG:
    case R.SET_CONFIG:
      return le([next() % 12, 4], [next() % 12, 4], [0, 4], [0, 8]);
    default:
      return randomBytes(next, next() % 4 ? 0 : next() % 64);
  }
}

const REQUESTS = [...Object.values(R), 40, 99];

Deno.test("vhost-user fuzz: every message is answered or refused, never fatal, fds never leak", () => {
  const seed = fuzzSeed();
  const next = xorshift(seed);
  const raw = fakeRawMemory(RAM);
  const mapped = new Set<bigint>();
  let nextFd = 1000;
  const open = new Set<number>();
  const platform: DevicePlatform = {
    map(fd, length) {
      assert.ok(open.has(fd), `mapped fd ${fd}, which is not open`);
      if (length > BigInt(RAM)) throw new FakeMapError("mmap: EINVAL");
      const address = FAKE_HOST_BASE;
      mapped.add(address);
      return address;
    },
    unmap: (address) => mapped.delete(address),
    close(fd) {
      assert.ok(open.delete(fd), `fd ${fd} closed twice or never given`);
    },
    raw,
  };
  const device = new VhostUserVsockDevice(3, platform);
  const refusals = { framing: 0, oversized: 0, refused: 0, answered: 0 };
  device.onRefused = () => refusals.refused++;
  const mux = new VsockMux({
    guestCid: 3,
    services: new Map(),
    connect() {
      throw new Error("no services");
    },
  });
  const pump = new QueuePump(mux, () => {});
  const started = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    const where = `seed ${seed}, round ${round}`;
    const request = REQUESTS[next() % REQUESTS.length];
    const payload = validPayload(next, request);
    const flags = VHOST_USER_VERSION |
      (next() % 2 ? VHOST_USER_NEED_REPLY_FLAG : 0);
    const valid = new Uint8Array(VHOST_USER_HEADER_SIZE + payload.length);
    valid.set(le([request, 4], [flags, 4], [payload.length, 4]));
    valid.set(payload, VHOST_USER_HEADER_SIZE);
    const bytes = next() % 4 ? valid : mutate(next, valid);
    if (next() % 16 === 0 && bytes.length >= 12) {
      new DataView(bytes.buffer, bytes.byteOffset).setUint32(
        8,
        NASTY[next() % NASTY.length],
        true,
      );
    }
    const fds = Array.from({ length: next() % 3 }, () => nextFd++);
    for (const fd of fds) open.add(fd);
    const closeAll = () => fds.forEach((fd) => platform.close(fd));
    if (bytes.length < VHOST_USER_HEADER_SIZE) {
      closeAll(); // A short read: the loop closes them and ends.
      continue;
    }
    let header;
    try {
      header = decodeHeader(bytes);
    } catch (error) {
      assert.ok(error instanceof VhostUserProtocolError, `${where}: ${error}`);
      refusals.framing++;
      closeAll();
      continue;
    }
    const body = bytes.subarray(VHOST_USER_HEADER_SIZE);
    const oversized = oversizedPayload(header);
    let reply;
    if (oversized) {
      refusals.oversized++;
      closeAll();
      reply = device.refuse(header, oversized);
    } else if (body.length < header.size) {
      closeAll(); // The stream ended mid-message.
      continue;
    } else {
      reply = device.handle({
        header,
        payload: body.subarray(0, header.size),
        fds,
      });
    }
    if (reply) {
      refusals.answered++;
      const answer = decodeHeader(reply);
      assert.equal(answer.request, header.request, where);
      assert.ok(answer.flags & VHOST_USER_REPLY_FLAG, where);
      assert.equal(reply.length, VHOST_USER_HEADER_SIZE + answer.size, where);
      assert.ok(answer.size <= 20, `${where}: a reply of ${answer.size}`);
    }
    // Whatever rings that left, the guest side of them is served.
    const memory = device.memory;
    if (memory) {
      pump.pump(
        memory,
        device.queue(VSOCK_TX_QUEUE),
        device.queue(VSOCK_RX_QUEUE),
      );
      if (pump.broken && next() % 4 === 0) pump.restart();
    }
  }
  device.close();
  assert.deepEqual([...open], [], `seed ${seed}: fds left open`);
  assert.equal(mapped.size, 0, `seed ${seed}: memory left mapped`);
  const seconds = (performance.now() - started) / 1000;
  assert.ok(seconds < 60, `seed ${seed}: took ${seconds.toFixed(1)} s`);
  for (const [path, count] of Object.entries(refusals)) {
    assert.ok(count > ROUNDS / 500, `seed ${seed}: ${path} only ${count}`);
  }
});
