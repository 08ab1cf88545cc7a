import assert from "node:assert/strict";
import {
  EPOLLERR,
  EPOLLHUP,
  EPOLLIN,
  EPOLLOUT,
  ERRNO,
  LibcError,
} from "../ffi/mod.ts";
import type { BackendEvent } from "./backend_protocol.ts";
import { HostSocket, type HostSocketLoop } from "./host_socket.ts";
import { VsockMux } from "./vsock_mux.ts";
import { fromGuest, GUEST, ops } from "./_test_stream.ts";
import { VSOCK_SHUTDOWN_SEND, VsockOp } from "./vsock_packet.ts";

const FD = 40;
const DATA = 100;
const text = (line: string) => new TextEncoder().encode(line);

/**
 * A loop whose one socket is a script: bytes the peer sends, what was
 * written back, and every epoll call. Host → guest requests reach a mux.
 */
function setUp() {
  const incoming: Uint8Array[] = [];
  const state = {
    eof: false,
    written: [] as number[],
    writeError: false,
    closed: false,
    released: false,
    epoll: [] as string[],
    events: [] as BackendEvent[],
  };
  const mux = new VsockMux({
    guestCid: GUEST,
    services: new Map(),
    connect: () => assert.fail("no guest → host connections here"),
    onEvent: (event) => state.events.push(event),
  });
  const loop: HostSocketLoop = {
    fds: {
      read(fd, into) {
        assert.equal(fd, FD);
        const next = incoming.shift();
        if (!next) return state.eof ? 0 : undefined;
        const count = Math.min(next.length, into.length);
        into.set(next.subarray(0, count));
        if (count < next.length) incoming.unshift(next.subarray(count));
        return count;
      },
      write(_, bytes) {
        if (state.writeError) throw new LibcError("write", ERRNO.EPIPE);
        state.written.push(...bytes);
        return bytes.length;
      },
      close: () => {
        state.closed = true;
      },
    },
    sockets: { shutdown() {} },
    epoll: {
      add: (_, fd, mask, data) => state.epoll.push(`add ${fd} ${mask} ${data}`),
      modify: (_, fd, mask) => state.epoll.push(`modify ${fd} ${mask}`),
      remove: (_, fd) => state.epoll.push(`remove ${fd}`),
    },
    epfd: 3,
    connectToGuest: (port, socket) => mux.connectToGuest(port, socket),
    report: (event) => state.events.push(event),
    released: () => {
      state.released = true;
    },
  };
  const socket = new HostSocket(loop, FD, DATA);
  const drain = () => {
    const out = [];
    for (let p = mux.nextPacket(4096); p; p = mux.nextPacket(4096)) {
      out.push(p);
    }
    return out;
  };
  const send = (bytes: Uint8Array) => {
    incoming.push(bytes);
    socket.ready(EPOLLIN);
  };
  return { socket, mux, state, drain, send, incoming };
}

Deno.test("host socket: a request read in pieces opens a connection; the answer and early bytes follow the guest's RESPONSE", () => {
  const { socket, mux, state, drain, send } = setUp();
  socket.awaitRequest();
  assert.deepEqual(state.epoll, [`add ${FD} ${EPOLLIN} ${DATA}`]);
  send(text("CONN"));
  assert.equal(mux.size, 0);
  send(text("ECT 6000\nhello"));
  assert.equal(mux.size, 1);
  assert.deepEqual(
    state.epoll.at(-1),
    `modify ${FD} 0`,
    "quiet until accepted",
  );
  const [request] = drain();
  assert.equal(request.header.op, VsockOp.REQUEST);
  assert.equal(request.header.dstPort, 6000);
  mux.receive(
    fromGuest(VsockOp.RESPONSE, {
      srcPort: 6000,
      dstPort: request.header.srcPort,
    }),
    new Uint8Array(0),
  );
  assert.equal(
    new TextDecoder().decode(new Uint8Array(state.written)),
    `OK ${request.header.srcPort}\n`,
  );
  const [data] = drain();
  assert.deepEqual([...data.payload], [...text("hello")]);
  // The guest's bytes go to the socket; its end of file ends reading.
  mux.receive(
    fromGuest(VsockOp.RW, {
      srcPort: 6000,
      dstPort: request.header.srcPort,
      len: 2,
    }),
    text("hi"),
  );
  assert.ok(
    new TextDecoder().decode(new Uint8Array(state.written)).endsWith("hi"),
  );
});

Deno.test("host socket: bad, overlong and unfinished requests close it", () => {
  const bad = setUp();
  bad.socket.awaitRequest();
  bad.send(text("CONNECT six\n"));
  assert.ok(bad.state.closed && bad.state.released);
  assert.match(
    (bad.state.events[0] as { reason: string }).reason,
    /bad host → guest request "CONNECT six"/,
  );
  assert.equal(bad.mux.size, 0);

  const long = setUp();
  long.socket.awaitRequest();
  long.send(text("CONNECT 1" + " ".repeat(20)));
  assert.equal(long.state.closed, false);
  long.send(text(" ".repeat(20) + "\n"));
  assert.equal(long.state.closed, true, "32 bytes and no newline");
  assert.match(
    (long.state.events[0] as { reason: string }).reason,
    /over 32 bytes/,
  );

  const gone = setUp();
  gone.socket.awaitRequest();
  gone.send(text("CONNECT 6"));
  gone.state.eof = true;
  gone.socket.ready(EPOLLIN | EPOLLHUP);
  assert.equal(gone.state.closed, true);
  assert.deepEqual(gone.state.events, [], "a peer that left is no refusal");
});

Deno.test("host socket: a requester gone before the guest accepts resets the connection", () => {
  const { socket, mux, state, drain, send } = setUp();
  socket.awaitRequest();
  send(text("CONNECT 6000\n"));
  const [request] = drain();
  // The peer hangs up: unwatched, since nothing is wanted from it yet.
  socket.ready(EPOLLHUP);
  assert.equal(state.epoll.at(-1), `remove ${FD}`);
  state.writeError = true;
  mux.receive(
    fromGuest(VsockOp.RESPONSE, {
      srcPort: 6000,
      dstPort: request.header.srcPort,
    }),
    new Uint8Array(0),
  );
  assert.deepEqual(ops(drain()), ["RST"]);
  assert.equal(state.closed, true);
  assert.equal(mux.size, 0);
});

Deno.test("host socket: end of file, errors and room to write reach the connection", () => {
  const { socket, mux, state, drain, send } = setUp();
  socket.awaitRequest();
  send(text("CONNECT 6000\n"));
  const [request] = drain();
  const ports = { srcPort: 6000, dstPort: request.header.srcPort };
  mux.receive(fromGuest(VsockOp.RESPONSE, ports), new Uint8Array(0));
  assert.equal(state.epoll.at(-1), `modify ${FD} ${EPOLLIN}`);
  state.eof = true;
  socket.ready(EPOLLIN | EPOLLHUP);
  const out = drain();
  assert.deepEqual(ops(out), ["SHUTDOWN"]);
  assert.equal(out[0].header.flags, VSOCK_SHUTDOWN_SEND);
  // Reading is over; a HUP now only unwatches the socket.
  socket.ready(EPOLLHUP);
  assert.equal(state.epoll.at(-1), `remove ${FD}`);
  socket.ready(EPOLLOUT | EPOLLERR);
  assert.deepEqual(ops(drain()), ["RST"]);
  assert.equal(state.closed, true);
});
