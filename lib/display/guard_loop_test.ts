import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type EventFdApi,
  type FdApi,
  type FdPassingApi,
  openEventFdApi,
  openFdApi,
  openFdPassingApi,
  openSocketApi,
  type SocketApi,
} from "../ffi/mod.ts";
import { type DisplayGuard, startDisplayGuard } from "./display_guard.ts";
import type { GuardConnectionEnd } from "./guard_protocol.ts";
import {
  BACKPRESSURE_BYTES,
  eventually,
  GREETING,
  LIMIT_BYTES,
  noMoreFds,
  openFds,
  startTestGuard,
  TEST_GUARD_CONFIG,
  type TestFilter,
} from "./_test_guard.ts";

/** libc calls for the tests' own ends of the sockets, closed at the end. */
class Ends implements Disposable {
  readonly sockets: SocketApi = openSocketApi();
  readonly fds: FdApi = openFdApi();
  readonly passing: FdPassingApi = openFdPassingApi();
  readonly events: EventFdApi = openEventFdApi();
  readonly #open = new Set<number>();

  /** Remembers `fd` for closing. */
  own(fd: number): number {
    this.#open.add(fd);
    return fd;
  }

  close(fd: number): void {
    this.#open.delete(fd);
    this.fds.close(fd);
  }

  /** A listening socket at `path`, as a compositor's. */
  listen(path: string): number {
    const fd = this.own(this.sockets.socket("unix", { nonblocking: true }));
    this.sockets.bind(fd, { family: "unix", path });
    this.sockets.listen(fd, 4);
    return fd;
  }

  connect(path: string): number {
    const fd = this.own(this.sockets.socket("unix", { nonblocking: true }));
    this.sockets.connect(fd, { family: "unix", path });
    return fd;
  }

  accept(listener: number): Promise<number> {
    return eventually(
      () => this.sockets.accept(listener, { nonblocking: true })?.fd,
      "the guard to connect to the compositor",
    ).then((fd) => this.own(fd));
  }

  /** Reads `length` bytes from `fd`, with every fd that comes with them. */
  async receive(
    fd: number,
    length: number,
  ): Promise<{ bytes: Uint8Array; fds: number[] }> {
    const bytes = new Uint8Array(length);
    const fds: number[] = [];
    let filled = 0;
    await eventually(() => {
      while (filled < length) {
        const got = this.passing.receive(fd, bytes.subarray(filled));
        if (!got) return undefined;
        got.fds.forEach((received) => fds.push(this.own(received)));
        if (got.length === 0) throw new Error("end of file");
        filled += got.length;
      }
      return true;
    }, `${length} bytes`);
    return { bytes, fds };
  }

  /** Waits for end of file on `fd`. */
  async endOfFile(fd: number): Promise<void> {
    const into = new Uint8Array(64);
    await eventually(() => {
      const got = this.passing.receive(fd, into);
      return got?.length === 0 ? true : undefined;
    }, "end of file");
  }

  [Symbol.dispose](): void {
    for (const fd of this.#open) this.fds.close(fd);
    this.sockets[Symbol.dispose]();
    this.fds[Symbol.dispose]();
    this.passing[Symbol.dispose]();
    this.events[Symbol.dispose]();
  }
}

const text = (value: string) => new TextEncoder().encode(value);

/** A folder with a compositor socket, and a guard in front of it. */
async function setUp(filter?: TestFilter) {
  await using stack = new AsyncDisposableStack();
  const dir = await Deno.makeTempDir({ prefix: "qubesify-guard-test-" });
  stack.defer(() => Deno.remove(dir, { recursive: true }));
  const ends = stack.use(new Ends());
  const compositorPath = join(dir, "compositor");
  const compositor = ends.listen(compositorPath);
  const log: string[] = [];
  const ended: GuardConnectionEnd[] = [];
  const options = {
    listenPath: join(dir, "guard"),
    compositorPath,
    onLog: (line: string) => log.push(line),
    onConnectionEnd: (end: GuardConnectionEnd) => ended.push(end),
  };
  const guard: DisplayGuard = stack.use(
    filter
      ? await startTestGuard({ ...options, filter })
      : await startDisplayGuard({
        ...options,
        config: { ...TEST_GUARD_CONFIG, passThrough: true },
      }),
  );
  const moved = stack.move();
  return {
    dir,
    ends,
    compositor,
    compositorPath,
    guard,
    log,
    ended,
    [Symbol.asyncDispose]: () => moved.disposeAsync(),
  };
}

Deno.test("display guard: bytes and fds pass both ways; a client's end of file ends the connection", async () => {
  await using test = await setUp();
  const { ends, guard } = test;
  const info = await Deno.stat(guard.path);
  assert.ok(info.isSocket);
  assert.equal(info.mode! & 0o777, 0o600);

  const client = ends.connect(guard.path);
  const server = await ends.accept(test.compositor);
  await eventually(
    () => guard.openConnections() === 1 || undefined,
    "the connection to be counted",
  );

  const toServer = ends.own(ends.events.create());
  ends.passing.send(client, text("hello"), [toServer]);
  const up = await ends.receive(server, 5);
  assert.deepEqual(up.bytes, text("hello"));
  assert.equal(up.fds.length, 1);
  // The compositor's fd is the client's eventfd: a signal crosses.
  ends.events.signal(up.fds[0], 7n);
  assert.equal(ends.events.drain(toServer), 7n);

  const toClient = ends.own(ends.events.create());
  ends.passing.send(server, text("world"), [toClient]);
  const down = await ends.receive(client, 5);
  assert.deepEqual(down.bytes, text("world"));
  ends.events.signal(down.fds[0], 9n);
  assert.equal(ends.events.drain(toClient), 9n);

  // More fds than libwayland takes in one recvmsg arrive in groups, all
  // of them, before the bytes that follow.
  const many = Array.from({ length: 60 }, () => ends.own(ends.events.create()));
  ends.passing.send(client, text("12345678"), many);
  const batch = await ends.receive(server, 8);
  assert.deepEqual(batch.bytes, text("12345678"));
  assert.equal(batch.fds.length, 60);

  ends.close(client);
  await ends.endOfFile(server);
  const [end] = await eventually(
    () => test.ended.length > 0 ? test.ended : undefined,
    "the connection's end",
  );
  assert.equal(end.reason, "client closed the connection");
  assert.equal(end.bytesFromClient, 13);
  assert.equal(end.bytesFromServer, 5);
  assert.equal(end.fdsFromClient, 61);
  assert.equal(end.fdsFromServer, 1);
  assert.equal(guard.openConnections(), 0);
  assert.deepEqual(test.log, [
    `connection ${end.id} closed: client closed the connection`,
  ]);

  await guard.close();
  await assert.rejects(Deno.stat(guard.path), Deno.errors.NotFound);
});

/** A compositor socket served with Deno's own API, and a pass-through guard. */
async function setUpAsync() {
  await using stack = new AsyncDisposableStack();
  const dir = await Deno.makeTempDir({ prefix: "qubesify-guard-test-" });
  stack.defer(() => Deno.remove(dir, { recursive: true }));
  const listener = stack.use(
    Deno.listen({ transport: "unix", path: join(dir, "compositor") }),
  );
  const ended: GuardConnectionEnd[] = [];
  const guard = stack.use(
    await startDisplayGuard({
      listenPath: join(dir, "guard"),
      compositorPath: listener.addr.path,
      config: { ...TEST_GUARD_CONFIG, passThrough: true },
      onConnectionEnd: (end) => ended.push(end),
    }),
  );
  const client = await Deno.connect({ transport: "unix", path: guard.path });
  stack.defer(() => closeConn(client));
  const server = await listener.accept();
  stack.defer(() => closeConn(server));
  const moved = stack.move();
  return {
    client,
    server,
    ended,
    [Symbol.asyncDispose]: () => moved.disposeAsync(),
  };
}

function closeConn(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Closed by the test already.
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) {
    at += await conn.write(bytes.subarray(at));
  }
}

async function readExactly(conn: Deno.Conn, size: number): Promise<Uint8Array> {
  const got = new Uint8Array(size);
  for (let at = 0; at < size;) {
    const count = await conn.read(got.subarray(at));
    assert.ok(count !== null, "early end of file");
    at += count;
  }
  return got;
}

Deno.test("display guard: a large stream passes whole and in order, both ways at once", async () => {
  await using test = await setUpAsync();
  const size = 3 * BACKPRESSURE_BYTES;
  const data = new Uint8Array(size).map((_, i) => (i * 31 + (i >> 12)) & 0xff);
  const [up, down] = await Promise.all([
    readExactly(test.server, size),
    readExactly(test.client, size),
    writeAll(test.client, data),
    writeAll(test.server, data),
  ]);
  assert.ok(up.every((byte, i) => byte === data[i]), "client → compositor");
  assert.ok(down.every((byte, i) => byte === data[i]), "compositor → client");
});

Deno.test("display guard: a compositor that floods a client that does not read is held back", async () => {
  await using test = await setUpAsync();
  let written = 0;
  const chunk = new Uint8Array(256 * 1024);
  const flooding = (async () => {
    try {
      while (written < 64 * 1024 * 1024) {
        written += await test.server.write(chunk);
      }
    } catch {
      // The guard closed the connection.
    }
  })();
  // The guard stops reading at its bound, so the flood stalls far short
  // of what it would send.
  let before = -1;
  await eventually(
    () => {
      const stalled = written === before;
      before = written;
      return stalled || undefined;
    },
    "the flood to stall",
    20_000,
    300,
  );
  assert.ok(written < 2 * BACKPRESSURE_BYTES, `${written} bytes taken`);
  test.client.close();
  await flooding;
  const [end] = await eventually(
    () => test.ended.length > 0 ? test.ended : undefined,
    "the connection's end",
  );
  assert.ok(
    end.mostQueued <= BACKPRESSURE_BYTES + 64 * 1024,
    `${end.mostQueued} bytes queued`,
  );
});

Deno.test("display guard: a filter's output past the hard bound ends the connection", async () => {
  await using test = await setUp("amplify");
  const client = await Deno.connect({
    transport: "unix",
    path: test.guard.path,
  });
  const server = await test.ends.accept(test.compositor);
  // The compositor reads everything; the client sends and never reads.
  let draining = true;
  const sink = new Uint8Array(64 * 1024);
  const drain = (async () => {
    while (draining) {
      while (test.ends.passing.receive(server, sink)?.length) { /* more */ }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  const sending = (async () => {
    try {
      for (let i = 0; i < 1_000; i++) await client.write(new Uint8Array(4096));
    } catch {
      // The guard closed the connection.
    }
  })();
  const [end] = await eventually(
    () => test.ended.length > 0 ? test.ended : undefined,
    "the connection's end",
  );
  draining = false;
  await Promise.all([drain, sending]);
  client.close();
  assert.match(end.reason, /the client does not read/);
  assert.ok(end.mostQueued > LIMIT_BYTES);
  assert.ok(end.mostQueued <= LIMIT_BYTES + 1024 * 1024, `${end.mostQueued}`);
  assert.ok(test.log.some((line) => line.includes("does not read")));
});

Deno.test("display guard: the filter's first bytes reach the compositor before the client's", async () => {
  await using test = await setUp("greet");
  const client = test.ends.connect(test.guard.path);
  const server = await test.ends.accept(test.compositor);
  test.ends.passing.send(client, text("client"));
  const got = await test.ends.receive(server, GREETING.length + 6);
  assert.deepEqual(
    new TextDecoder().decode(got.bytes),
    new TextDecoder().decode(GREETING) + "client",
  );
  assert.ok(test.log.includes("greeted"));
});

Deno.test("display guard: no compositor: the client is refused and the guard keeps listening", async () => {
  await using test = await setUp();
  test.ends.close(test.compositor);
  await Deno.remove(test.compositorPath);
  const client = test.ends.connect(test.guard.path);
  await test.ends.endOfFile(client);
  await eventually(
    () => test.log.find((line) => line.includes("cannot reach the compositor")),
    "the refusal",
  );
  assert.equal(test.guard.openConnections(), 0);
  // A compositor that comes back is reached.
  const compositor = test.ends.listen(test.compositorPath);
  test.ends.connect(test.guard.path);
  await test.ends.accept(compositor);
});

Deno.test("display guard: a path in use fails the start and stays", async () => {
  await using test = await setUp();
  await assert.rejects(
    startDisplayGuard({
      listenPath: test.compositorPath,
      compositorPath: test.compositorPath,
      config: { ...TEST_GUARD_CONFIG, passThrough: true },
    }),
    /failed to start: .*EADDRINUSE/,
  );
  assert.ok((await Deno.stat(test.compositorPath)).isSocket);
});

Deno.test("display guard: closing releases every fd, those a filter held included", async () => {
  // Deno keeps some fds of a Worker's runtime: warm up first.
  for (const filter of [undefined, "swallow"] as const) {
    await using warm = await setUp(filter);
    await warm.guard.close();
  }
  const before = openFds();
  {
    await using test = await setUp("swallow");
    const client = test.ends.connect(test.guard.path);
    await test.ends.accept(test.compositor);
    const sent = Array.from(
      { length: 10 },
      () => test.ends.own(test.ends.events.create()),
    );
    const eventFds = () => JSON.parse(openFds())["anon_inode:[eventfd]"] ?? 0;
    const mine = eventFds();
    test.ends.passing.send(client, text("held"), sent);
    await eventually(
      () => eventFds() >= mine + sent.length || undefined,
      "the guard to receive the fds",
    );
    // Closed while the filter holds them and the connection is open.
    await test.guard.close();
    assert.equal(test.guard.openConnections(), 0);
  }
  // Fds of earlier tests' Workers may go meanwhile: none may be added.
  await eventually(
    () => noMoreFds(before, openFds()) || undefined,
    () => `the fds of before (${before}), now ${openFds()}`,
  );
});
