import assert from "node:assert/strict";
import process from "node:process";
import {
  closeAfter,
  closedByRelay,
  echo,
  pattern,
  readAll,
  serveUnix,
  tempDir,
  waitFor,
  writeAll,
} from "./_test_sockets.ts";
import type { RelayDecision } from "./decision.ts";
import type { ConnectionEnd } from "./engine.ts";
import { startDispatcher } from "./dispatcher.ts";
import { staticAccessSource } from "./registry_source.ts";

const WAYLAND = 7000;
const AUDIO = 7001;
const EGRESS = 7002;

function connect(path: string): Promise<Deno.UnixConn> {
  return Deno.connect({ transport: "unix", path });
}

Deno.test("relay: 48 MiB each way arrive byte for byte through an echo service", async () => {
  await using dir = await tempDir();
  await using upstream = serveUnix(dir.join("wayland"), echo);
  const ends: ConnectionEnd[] = [];
  await using dispatcher = await startDispatcher({
    listeners: [{ unixPath: dir.join("in"), peerCid: 5, port: WAYLAND }],
    vms: staticAccessSource([
      { name: "work", cid: 5, services: { wayland: upstream.path } },
    ]),
    onEnd: (end) => ends.push(end),
  });
  const conn = await connect(dir.join("in"));
  using _deadline = closeAfter(conn);
  const sent = pattern(48 * 1024 * 1024, 1);
  const [, received] = await Promise.all([
    writeAll(conn, sent).then(() => conn.closeWrite()),
    readAll(conn),
  ]);
  conn.close();
  assert.equal(received.length, sent.length);
  assert.ok(received.every((byte, i) => byte === sent[i]), "bytes differ");
  await waitFor(() => ends.length === 1, "the connection's end");
  assert.deepEqual(ends[0], {
    id: ends[0].id,
    bytesUp: sent.length,
    bytesDown: sent.length,
    error: undefined,
  });
  assert.equal(dispatcher.openConnections, 0);
});

Deno.test("relay: the client's half-close reaches the service, which still answers", async () => {
  await using dir = await tempDir();
  await using upstream = serveUnix(dir.join("svc"), async (conn) => {
    const request = new TextDecoder().decode(await readAll(conn));
    await writeAll(conn, new TextEncoder().encode(`got ${request}`));
  });
  await using _dispatcher = await startDispatcher({
    listeners: [{ unixPath: dir.join("in"), peerCid: 5, port: AUDIO }],
    vms: staticAccessSource([
      { name: "work", cid: 5, services: { audio: upstream.path } },
    ]),
  });
  const conn = await connect(dir.join("in"));
  using _deadline = closeAfter(conn, 5_000);
  await writeAll(conn, new TextEncoder().encode("hello"));
  await conn.closeWrite();
  assert.equal(new TextDecoder().decode(await readAll(conn)), "got hello");
  conn.close();
});

Deno.test("relay: the service's half-close reaches the client, which still sends", async () => {
  await using dir = await tempDir();
  let heard = "";
  await using upstream = serveUnix(dir.join("svc"), async (conn) => {
    await writeAll(conn, new TextEncoder().encode("greeting"));
    await conn.closeWrite();
    heard = new TextDecoder().decode(await readAll(conn));
  });
  await using _dispatcher = await startDispatcher({
    listeners: [{ unixPath: dir.join("in"), peerCid: 5, port: AUDIO }],
    vms: staticAccessSource([
      { name: "work", cid: 5, services: { audio: upstream.path } },
    ]),
  });
  const conn = await connect(dir.join("in"));
  using _deadline = closeAfter(conn, 5_000);
  assert.equal(new TextDecoder().decode(await readAll(conn)), "greeting");
  await writeAll(conn, new TextEncoder().encode("reply after EOF"));
  conn.close();
  await waitFor(() => heard !== "", "the service to hear the reply");
  assert.equal(heard, "reply after EOF");
});

Deno.test("relay: a client process killed mid-stream ends the connection on both sides", async () => {
  await using dir = await tempDir();
  let serviceSaw: { bytes: number; ended: string } | undefined;
  await using upstream = serveUnix(dir.join("svc"), async (conn) => {
    let bytes = 0;
    const buffer = new Uint8Array(65536);
    try {
      while (true) {
        const count = await conn.read(buffer);
        if (count === null) break;
        bytes += count;
        // Keep talking back so the relay has bytes in flight to the client.
        await conn.write(buffer.subarray(0, Math.min(count, 1024)));
      }
      serviceSaw = { bytes, ended: "eof" };
    } catch (error) {
      serviceSaw = { bytes, ended: (error as Error).name };
    }
  });
  const ends: ConnectionEnd[] = [];
  await using dispatcher = await startDispatcher({
    listeners: [{ unixPath: dir.join("in"), peerCid: 5, port: WAYLAND }],
    vms: staticAccessSource([
      { name: "work", cid: 5, services: { wayland: upstream.path } },
    ]),
    onEnd: (end) => ends.push(end),
  });
  // socat streams /dev/zero into the relay until it is killed.
  const client = new Deno.Command("socat", {
    args: ["-u", "OPEN:/dev/zero", `UNIX-CONNECT:${dir.join("in")}`],
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await waitFor(() => dispatcher.openConnections === 1, "the connection");
    await new Promise((resolve) => setTimeout(resolve, 300));
    client.kill("SIGKILL");
  } finally {
    await client.status;
  }
  await waitFor(() => ends.length === 1, "the relay to end the connection");
  await waitFor(() => serviceSaw !== undefined, "the service to see the end");
  assert.ok(ends[0].bytesUp > 0, "bytes flowed before the kill");
  assert.ok(serviceSaw!.bytes > 0);
  assert.equal(dispatcher.openConnections, 0);
});

Deno.test("relay: a service process killed mid-stream closes the client's connection", async () => {
  await using dir = await tempDir();
  const service = new Deno.Command("socat", {
    args: [`UNIX-LISTEN:${dir.join("svc")}`, "OPEN:/dev/zero"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const ends: ConnectionEnd[] = [];
  try {
    await waitFor(() => {
      try {
        return Deno.statSync(dir.join("svc")).isSocket === true;
      } catch {
        return false;
      }
    }, "socat to listen");
    await using dispatcher = await startDispatcher({
      listeners: [{ unixPath: dir.join("in"), peerCid: 5, port: WAYLAND }],
      vms: staticAccessSource([
        { name: "work", cid: 5, services: { wayland: dir.join("svc") } },
      ]),
      onEnd: (end) => ends.push(end),
    });
    const conn = await connect(dir.join("in"));
    const buffer = new Uint8Array(65536);
    let received = 0;
    while (received < 1024 * 1024) {
      const count = await conn.read(buffer);
      assert.notEqual(count, null, "the stream ended before the kill");
      received += count!;
    }
    service.kill("SIGKILL");
    await service.status;
    // The client drains what was in flight, then sees the end.
    while (await conn.read(buffer).catch(() => null) !== null) {
      // Draining.
    }
    conn.close();
    await waitFor(() => ends.length === 1, "the relay to end the connection");
    assert.equal(dispatcher.openConnections, 0);
  } finally {
    try {
      service.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    await service.status;
  }
});

Deno.test("relay: 100 concurrent connections each get their own bytes back", async () => {
  await using dir = await tempDir();
  await using upstream = serveUnix(dir.join("svc"), echo);
  await using dispatcher = await startDispatcher({
    listeners: [{ unixPath: dir.join("in"), peerCid: 5, port: WAYLAND }],
    vms: staticAccessSource([
      { name: "work", cid: 5, services: { wayland: upstream.path } },
    ]),
    // Over the default cap of one VM: this is about the loop, not the caps.
    limits: { perCid: 100 },
  });
  const conns = await Promise.all(
    Array.from({ length: 100 }, () => connect(dir.join("in"))),
  );
  await waitFor(() => dispatcher.openConnections === 100, "100 connections");
  const results = await Promise.all(conns.map(async (conn, index) => {
    using _deadline = closeAfter(conn);
    const sent = pattern(256 * 1024 + index * 4, index + 1);
    const [, received] = await Promise.all([
      writeAll(conn, sent).then(() => conn.closeWrite()),
      readAll(conn),
    ]);
    conn.close();
    return received.length === sent.length &&
      received.every((byte, i) => byte === sent[i]);
  }));
  assert.deepEqual(
    results.flatMap((ok, index) => ok ? [] : [index]),
    [],
    "connections whose bytes differ",
  );
  assert.equal(upstream.accepted, 100);
  await waitFor(() => dispatcher.openConnections === 0, "all to end");
});

Deno.test("policy in action: unknown CIDs and services a VM lacks are refused and logged", async () => {
  await using dir = await tempDir();
  await using wayland = serveUnix(dir.join("wayland"), echo);
  await using egress = serveUnix(dir.join("egress"), echo);
  const decisions: RelayDecision[] = [];
  await using _dispatcher = await startDispatcher({
    listeners: [
      { unixPath: dir.join("cid9-wayland"), peerCid: 9, port: WAYLAND },
      { unixPath: dir.join("cid5-egress"), peerCid: 5, port: EGRESS },
      { unixPath: dir.join("cid5-wayland"), peerCid: 5, port: WAYLAND },
    ],
    vms: staticAccessSource([
      { name: "work", cid: 5, services: { wayland: wayland.path } },
      { name: "dev", cid: 6, services: { egress: egress.path } },
    ]),
    onDecision: (decision) => decisions.push(decision),
  });
  for (const name of ["cid9-wayland", "cid5-egress"]) {
    const conn = await connect(dir.join(name));
    await writeAll(conn, new TextEncoder().encode("let me in"));
    assert.ok(await closedByRelay(conn), `${name} was not closed`);
    conn.close();
  }
  const allowed = await connect(dir.join("cid5-wayland"));
  await writeAll(allowed, new TextEncoder().encode("hi"));
  await allowed.closeWrite();
  assert.equal(new TextDecoder().decode(await readAll(allowed)), "hi");
  allowed.close();
  assert.equal(egress.accepted, 0, "the egress service saw a connection");
  assert.equal(wayland.accepted, 1);
  assert.deepEqual(
    decisions.map((d) => [d.decision, d.cid, d.port, d.vm, d.reason]),
    [
      ["deny", 9, WAYLAND, undefined, "unknown CID 9"],
      ["deny", 5, EGRESS, "work", "VM work may not use egress"],
      ["allow", 5, WAYLAND, "work", undefined],
    ],
  );
  assert.equal(decisions[2].target, `unix:${wayland.path}`);
});

Deno.test("a service whose socket is gone: the client is closed and the end says why", async () => {
  await using dir = await tempDir();
  const ends: ConnectionEnd[] = [];
  await using _dispatcher = await startDispatcher({
    listeners: [{ unixPath: dir.join("in"), peerCid: 5, port: WAYLAND }],
    vms: staticAccessSource([
      { name: "work", cid: 5, services: { wayland: dir.join("missing") } },
    ]),
    onEnd: (end) => ends.push(end),
  });
  const conn = await connect(dir.join("in"));
  assert.ok(await closedByRelay(conn));
  conn.close();
  await waitFor(() => ends.length === 1, "the end");
  assert.match(ends[0].error ?? "", /^connect unix:.*missing: ENOENT$/);
});

Deno.test("listeners: a socket path in use and a UNIX stand-in without port are refused", async () => {
  await using dir = await tempDir();
  await using _first = await startDispatcher({
    listeners: [{ unixPath: dir.join("in"), peerCid: 5, port: WAYLAND }],
    vms: staticAccessSource([]),
  });
  await assert.rejects(
    () =>
      startDispatcher({
        listeners: [{ unixPath: dir.join("in"), peerCid: 5, port: WAYLAND }],
        vms: staticAccessSource([]),
      }),
    /cannot listen on unix:.*\/in: already in use/,
  );
  await assert.rejects(
    () =>
      startDispatcher({
        listeners: [{ unixPath: dir.join("other"), peerCid: 5 }],
        vms: staticAccessSource([]),
      }),
    /needs the vsock port it stands for/,
  );
});

Deno.test("close: open connections are closed and socket files removed", async () => {
  await using dir = await tempDir();
  await using upstream = serveUnix(dir.join("svc"), echo);
  const dispatcher = await startDispatcher({
    listeners: [{ unixPath: dir.join("in"), peerCid: 5, port: WAYLAND }],
    vms: staticAccessSource([
      { name: "work", cid: 5, services: { wayland: upstream.path } },
    ]),
  });
  const conn = await connect(dir.join("in"));
  await writeAll(conn, new TextEncoder().encode("ping"));
  const buffer = new Uint8Array(4);
  assert.equal(await conn.read(buffer), 4);
  await dispatcher.close();
  await dispatcher.close();
  assert.ok(await closedByRelay(conn));
  conn.close();
  await assert.rejects(() => Deno.stat(dir.join("in")), Deno.errors.NotFound);
});

Deno.test("vsock: the dispatcher binds and listens on kernel vsock ports", async () => {
  // No guest can connect on this host (no vsock transport), but socket,
  // bind and listen go through the same FFI path as in production.
  const port = 40_000 + Math.floor(Math.random() * 20_000);
  await using dispatcher = await startDispatcher({
    listeners: [{ vsockPort: port }, { vsockPort: port + 1, forwarded: true }],
    vms: staticAccessSource([]),
  });
  assert.deepEqual(dispatcher.addresses, [
    { family: "vsock", cid: 0xffff_ffff, port },
    { family: "vsock", cid: 0xffff_ffff, port: port + 1 },
  ]);
  await assert.rejects(
    () =>
      startDispatcher({
        listeners: [{ vsockPort: port }],
        vms: staticAccessSource([]),
      }),
    /cannot listen on vsock:4294967295:\d+: already in use/,
  );
});

Deno.test("idle: open, half-closed and hung-up connections cost no CPU while nothing moves", async () => {
  await using dir = await tempDir();
  const held: Deno.UnixConn[] = [];
  // The service holds every connection open and silent; some it half-closes.
  await using upstream = serveUnix(dir.join("svc"), async (conn) => {
    held.push(conn);
    if (held.length % 3 === 0) await conn.closeWrite();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
  });
  await using dispatcher = await startDispatcher({
    listeners: [{ unixPath: dir.join("in"), peerCid: 5, port: WAYLAND }],
    vms: staticAccessSource([
      { name: "work", cid: 5, services: { wayland: upstream.path } },
    ]),
  });
  const clients: Deno.UnixConn[] = [];
  for (let i = 0; i < 9; i++) {
    const conn = await connect(dir.join("in"));
    // Some clients half-close, some vanish entirely, some stay open.
    if (i % 3 === 1) await conn.closeWrite();
    if (i % 3 === 2) conn.close();
    else clients.push(conn);
  }
  await waitFor(() => upstream.accepted === 9, "9 relayed connections");
  await new Promise((resolve) => setTimeout(resolve, 200));
  const before = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const used = process.cpuUsage(before);
  const ms = (used.user + used.system) / 1000;
  assert.ok(ms < 100, `the relay used ${ms.toFixed(1)} ms of CPU while idle`);
  assert.ok(dispatcher.openConnections > 0, "connections stayed open");
  for (const conn of clients) conn.close();
});
