import assert from "node:assert/strict";
import {
  closeAfter,
  closedByRelay,
  echo,
  readAll,
  serveUnix,
  tempDir,
  waitFor,
  writeAll,
} from "./_test_sockets.ts";
import type { RelayDecision } from "./decision.ts";
import type { ConnectionEnd } from "./engine.ts";
import { startDispatcher } from "./dispatcher.ts";
import { forwardedPorts, startForwarder } from "./forwarder.ts";
import { SERVICE_PORTS, vmServicePorts } from "../guest/mod.ts";
import { encodeForwardHeader, FORWARD_HEADER_SIZE } from "./header.ts";
import { staticAccessSource } from "./registry_source.ts";

const WAYLAND = 7000;
const HOST_CID = 2;

/**
 * The split topology over UNIX stand-ins: VM 5 and VM 6 reach the host
 * forwarder's wayland port (one socket each, as a user-space vsock backend
 * would give them), the forwarder reaches the viewer's dispatcher as the
 * host (CID 2), and the viewer relays to each VM's own wayland socket.
 */
async function splitTopology(dir: { join(name: string): string }) {
  const received = new Map<string, Uint8Array>();
  const record = (name: string) => async (conn: Deno.UnixConn) => {
    received.set(name, await readAll(conn));
    await writeAll(conn, new TextEncoder().encode(`this is ${name}`));
  };
  const vm5 = serveUnix(dir.join("wayland-vm5"), record("vm5"));
  const vm6 = serveUnix(dir.join("wayland-vm6"), record("vm6"));
  const decisions: RelayDecision[] = [];
  const viewer = await startDispatcher({
    listeners: [
      { unixPath: dir.join("viewer"), peerCid: HOST_CID, forwarded: true },
    ],
    vms: staticAccessSource([
      { name: "vm5", cid: 5, services: { wayland: vm5.path } },
      { name: "vm6", cid: 6, services: { wayland: vm6.path } },
    ]),
    onDecision: (decision) => decisions.push(decision),
  });
  const host = await startForwarder({
    listeners: [
      { unixPath: dir.join("host-vm5"), peerCid: 5, port: WAYLAND },
      { unixPath: dir.join("host-vm6"), peerCid: 6, port: WAYLAND },
    ],
    viewer: { family: "unix", path: dir.join("viewer") },
    onDecision: (decision) => decisions.push(decision),
  });
  return {
    received,
    decisions,
    vm5,
    vm6,
    async [Symbol.asyncDispose]() {
      await host.close();
      await viewer.close();
      await vm5[Symbol.asyncDispose]();
      await vm6[Symbol.asyncDispose]();
    },
  };
}

async function exchange(path: string, payload: Uint8Array): Promise<string> {
  const conn = await Deno.connect({ transport: "unix", path });
  using _deadline = closeAfter(conn, 5_000);
  await writeAll(conn, payload);
  await conn.closeWrite();
  const answer = new TextDecoder().decode(await readAll(conn));
  conn.close();
  return answer;
}

Deno.test("split topology: each VM reaches its own service through forwarder and viewer", async () => {
  await using dir = await tempDir();
  await using topology = await splitTopology(dir);
  assert.equal(
    await exchange(dir.join("host-vm5"), new TextEncoder().encode("from 5")),
    "this is vm5",
  );
  assert.equal(
    await exchange(dir.join("host-vm6"), new TextEncoder().encode("from 6")),
    "this is vm6",
  );
  assert.equal(
    new TextDecoder().decode(topology.received.get("vm5")),
    "from 5",
  );
  assert.equal(
    new TextDecoder().decode(topology.received.get("vm6")),
    "from 6",
  );
  const viewerAllows = topology.decisions.filter((d) =>
    d.relay === "dispatcher"
  );
  assert.deepEqual(
    viewerAllows.map((d) => [d.via, d.decision, d.cid, d.vm, d.service]),
    [
      ["forwarded", "allow", 5, "vm5", "wayland"],
      ["forwarded", "allow", 6, "vm6", "wayland"],
    ],
  );
});

Deno.test("spoofing: a header a VM writes itself is payload, never trusted", async () => {
  await using dir = await tempDir();
  await using topology = await splitTopology(dir);
  // VM 5 opens with a well-formed header claiming to be VM 6.
  const forged = encodeForwardHeader({ cid: 6, port: WAYLAND });
  const payload = new Uint8Array([...forged, ...new TextEncoder().encode("x")]);
  assert.equal(await exchange(dir.join("host-vm5"), payload), "this is vm5");
  assert.deepEqual(topology.received.get("vm5"), payload);
  assert.equal(topology.vm6.accepted, 0, "VM 6's socket was reached");
});

Deno.test("spoofing: a VM connecting to the viewer's header port directly is refused", async () => {
  await using dir = await tempDir();
  await using wayland6 = serveUnix(dir.join("wayland-vm6"), echo);
  const decisions: RelayDecision[] = [];
  await using _viewer = await startDispatcher({
    listeners: [
      // The header port as VM 5 would reach it: its peers are CID 5.
      { unixPath: dir.join("viewer-from-vm5"), peerCid: 5, forwarded: true },
    ],
    vms: staticAccessSource([
      { name: "vm5", cid: 5, services: { wayland: dir.join("unused") } },
      { name: "vm6", cid: 6, services: { wayland: wayland6.path } },
    ]),
    onDecision: (decision) => decisions.push(decision),
  });
  const conn = await Deno.connect({
    transport: "unix",
    path: dir.join("viewer-from-vm5"),
  });
  await writeAll(conn, encodeForwardHeader({ cid: 6, port: WAYLAND }));
  assert.ok(await closedByRelay(conn));
  conn.close();
  await waitFor(() => decisions.length === 1, "the decision");
  assert.equal(decisions[0].decision, "deny");
  assert.match(
    decisions[0].reason ?? "",
    /only the forwarder \(CID 2\) may send headers; CID 5 tried/,
  );
  assert.equal(wayland6.accepted, 0);
});

Deno.test("forwarded listener: bad, short and unknown-CID headers are refused with the reason", async () => {
  await using dir = await tempDir();
  const decisions: RelayDecision[] = [];
  await using _viewer = await startDispatcher({
    listeners: [
      { unixPath: dir.join("viewer"), peerCid: HOST_CID, forwarded: true },
    ],
    vms: staticAccessSource([
      { name: "vm5", cid: 5, services: { wayland: dir.join("w") } },
    ]),
    onDecision: (decision) => decisions.push(decision),
  });
  const bad = encodeForwardHeader({ cid: 5, port: WAYLAND });
  bad[4] = 9;
  for (
    const bytes of [
      bad,
      encodeForwardHeader({ cid: 7, port: WAYLAND }),
      new Uint8Array(FORWARD_HEADER_SIZE - 1),
    ]
  ) {
    const conn = await Deno.connect({
      transport: "unix",
      path: dir.join("viewer"),
    });
    await writeAll(conn, bytes);
    await conn.closeWrite();
    assert.ok(await closedByRelay(conn));
    conn.close();
  }
  await waitFor(() => decisions.length === 2, "two decisions");
  assert.deepEqual(decisions.map((d) => d.reason), [
    "bad forward header: version 9, this qubesify reads version 1",
    "unknown CID 7",
  ]);
});

Deno.test("forwarder: only guests are forwarded, and the header carries their CID and port", async () => {
  await using dir = await tempDir();
  let header: Uint8Array | undefined;
  await using viewer = serveUnix(dir.join("viewer"), async (conn) => {
    header = await readAll(conn);
  });
  const decisions: RelayDecision[] = [];
  await using _host = await startForwarder({
    listeners: [
      { unixPath: dir.join("from-host"), peerCid: HOST_CID, port: WAYLAND },
      { unixPath: dir.join("from-vm9"), peerCid: 9, port: 7003 },
    ],
    viewer: { family: "unix", path: viewer.path },
    onDecision: (decision) => decisions.push(decision),
  });
  const fromHost = await Deno.connect({
    transport: "unix",
    path: dir.join("from-host"),
  });
  assert.ok(await closedByRelay(fromHost));
  fromHost.close();
  const fromVm = await Deno.connect({
    transport: "unix",
    path: dir.join("from-vm9"),
  });
  await fromVm.closeWrite();
  await readAll(fromVm);
  fromVm.close();
  await waitFor(() => header !== undefined, "the viewer to read");
  assert.deepEqual(header, encodeForwardHeader({ cid: 9, port: 7003 }));
  assert.deepEqual(decisions.map((d) => [d.decision, d.cid, d.reason]), [
    ["deny", 2, "peer CID 2 is not a guest"],
    ["allow", 9, undefined],
  ]);
  assert.equal(viewer.accepted, 1);
});

Deno.test("forwarded listener: a connection that never sends its header is closed after the timeout", async () => {
  await using dir = await tempDir();
  const ends: ConnectionEnd[] = [];
  await using viewer = await startDispatcher({
    listeners: [
      { unixPath: dir.join("viewer"), peerCid: HOST_CID, forwarded: true },
    ],
    vms: staticAccessSource([]),
    headerTimeoutMs: 200,
    onEnd: (end) => ends.push(end),
  });
  const conn = await Deno.connect({
    transport: "unix",
    path: dir.join("viewer"),
  });
  await writeAll(conn, new Uint8Array(5));
  const started = Date.now();
  assert.ok(await closedByRelay(conn));
  conn.close();
  assert.ok(Date.now() - started >= 150, "closed before the timeout");
  await waitFor(() => ends.length === 1, "the end");
  assert.equal(ends[0].error, "no 20-byte header within 200 ms");
  assert.equal(viewer.openConnections, 0);
});

Deno.test("forwarder: a viewer that refuses over vsock closes the VM's connection with the reason", async () => {
  // Connecting to the host's own CID over vsock fails asynchronously here
  // (no loopback transport): the non-blocking connect, its wake-up and
  // SO_ERROR all run through the loop as they would towards a viewer VM.
  await using dir = await tempDir();
  const ends: ConnectionEnd[] = [];
  await using _host = await startForwarder({
    listeners: [{ unixPath: dir.join("from-vm5"), peerCid: 5, port: WAYLAND }],
    viewer: { family: "vsock", cid: HOST_CID, port: 7100 },
    onEnd: (end) => ends.push(end),
  });
  const conn = await Deno.connect({
    transport: "unix",
    path: dir.join("from-vm5"),
  });
  assert.ok(await closedByRelay(conn));
  conn.close();
  await waitFor(() => ends.length === 1, "the end");
  assert.match(ends[0].error ?? "", /^connect vsock:2:7100: E[A-Z]+$/);
});

Deno.test("forwarder caps: a VM over its cap is refused and logged, another still gets through", async () => {
  await using dir = await tempDir();
  // The viewer's side holds every connection until the VM's side goes.
  await using viewer = serveUnix(dir.join("viewer"), (conn) => readAll(conn));
  const decisions: RelayDecision[] = [];
  await using _host = await startForwarder({
    listeners: [
      { unixPath: dir.join("host-vm5"), peerCid: 5, port: WAYLAND },
      { unixPath: dir.join("host-vm6"), peerCid: 6, port: WAYLAND },
    ],
    viewer: { family: "unix", path: viewer.path },
    limits: { perCid: 2 },
    onDecision: (decision) => decisions.push(decision),
  });
  const connect = (name: string) =>
    Deno.connect({ transport: "unix", path: dir.join(name) });
  const held = [await connect("host-vm5"), await connect("host-vm5")];
  await waitFor(() => viewer.accepted === 2, "VM 5's two connections");
  const over = await connect("host-vm5");
  using _deadline = closeAfter(over, 5_000);
  assert.ok(await closedByRelay(over), "a third connection was forwarded");
  over.close();
  held.push(await connect("host-vm6"));
  await waitFor(() => viewer.accepted === 3, "VM 6's connection");
  for (const conn of held) conn.close();
  assert.deepEqual(
    decisions.map((d) => [d.cid, d.decision, d.reason]),
    [
      [5, "allow", undefined],
      [5, "allow", undefined],
      [
        5,
        "deny",
        "CID 5 has 2 connections open or pending, the most one VM may have",
      ],
      [6, "allow", undefined],
    ],
  );
});

Deno.test("split topology: a VM on its own port block is forwarded, and only its own block", async () => {
  await using dir = await tempDir();
  await using audio5 = serveUnix(dir.join("audio-vm5"), echo);
  const decisions: RelayDecision[] = [];
  await using _viewer = await startDispatcher({
    listeners: [
      { unixPath: dir.join("viewer"), peerCid: HOST_CID, forwarded: true },
    ],
    vms: staticAccessSource([
      { name: "vm5", cid: 5, services: { audio: audio5.path } },
      { name: "vm6", cid: 6, services: { audio: "/nonexistent/vm6" } },
    ]),
    onDecision: (decision) => decisions.push(decision),
  });
  const block5 = vmServicePorts(5).audio;
  await using _host = await startForwarder({
    listeners: [
      { unixPath: dir.join("vm5-on-5"), peerCid: 5, port: block5 },
      // VM 6 dialling VM 5's block: the forwarder passes it on as CID 6.
      { unixPath: dir.join("vm6-on-5"), peerCid: 6, port: block5 },
    ],
    viewer: { family: "unix", path: dir.join("viewer") },
  });
  assert.equal(
    await exchange(dir.join("vm5-on-5"), new TextEncoder().encode("hi")),
    "hi",
  );
  const spoof = await Deno.connect({
    transport: "unix",
    path: dir.join("vm6-on-5"),
  });
  using _deadline = closeAfter(spoof, 5_000);
  assert.ok(await closedByRelay(spoof));
  spoof.close();
  await waitFor(() => decisions.length === 2, "the viewer's decisions");
  assert.deepEqual(
    decisions.map((d) => [d.decision, d.cid, d.port, d.service, d.reason]),
    [
      ["allow", 5, block5, "audio", undefined],
      ["deny", 6, block5, "audio", `port ${block5} is CID 5's, not CID 6's`],
    ],
  );
  assert.equal(audio5.accepted, 1);
});

Deno.test("forwardedPorts: the service ports, then each named VM's block", () => {
  assert.deepEqual(forwardedPorts(), Object.values(SERVICE_PORTS));
  assert.deepEqual(forwardedPorts([100]), [
    ...Object.values(SERVICE_PORTS),
    ...Object.values(vmServicePorts(100)),
  ]);
});
