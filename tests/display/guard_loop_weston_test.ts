/**
 * The display guard's loop between a real compositor (headless weston)
 * and real clients, with the pass-through filter or a test filter: what
 * the clients see through the guard is what they see straight, fds pass,
 * a failing connection leaves the others alone, and a client that does
 * not read cannot make the guard hold more than its bound.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type GuardConnectionEnd,
  startDisplayGuard,
} from "../../lib/display/mod.ts";
import {
  BACKPRESSURE_BYTES,
  eventually,
  noMoreFds,
  openFds,
  startTestGuard,
  TEST_GUARD_CONFIG,
  type TestFilter,
} from "../../lib/display/_test_guard.ts";
import {
  listGlobals,
  showsWindow,
  skipUnless,
  startSimpleShm,
  startWestonHeadless,
  vividRegion,
} from "../desktop/mod.ts";
import { owning } from "../desktop/owning.ts";

const ignore = await skipUnless([
  "weston",
  "weston-screenshooter",
  "weston-simple-shm",
  "wayland-info",
]);

/** A headless weston and a guard in front of it (pass-through unless `filter`). */
async function startGuardedWeston(filter?: TestFilter) {
  await using stack = new AsyncDisposableStack();
  const weston = stack.use(await startWestonHeadless());
  const log: string[] = [];
  const ended: GuardConnectionEnd[] = [];
  const options = {
    listenPath: join(weston.runtimeDir, "guard.sock"),
    compositorPath: join(weston.runtimeDir, weston.display),
    onLog: (line: string) => log.push(line),
    onConnectionEnd: (end: GuardConnectionEnd) => ended.push(end),
  };
  const guard = stack.use(
    filter
      ? await startTestGuard({ ...options, filter })
      : await startDisplayGuard({
        ...options,
        config: { ...TEST_GUARD_CONFIG, passThrough: true },
      }),
  );
  const env = {
    WAYLAND_DISPLAY: guard.path,
    XDG_RUNTIME_DIR: weston.runtimeDir,
  };
  /** Waits for the `count`th connection to end and returns it. */
  const end = async (count = 1) =>
    (await eventually(
      () => ended.length >= count ? ended : undefined,
      `${count} connection(s) to end`,
    ))[count - 1];
  return owning(stack, { weston, guard, env, log, ended, end });
}

Deno.test({
  name:
    "display guard loop: wayland-info lists the same globals through the guard as straight",
  ignore,
  async fn() {
    await using test = await startGuardedWeston();
    const straight = await listGlobals(test.weston.env);
    assert.ok(straight.length > 5, JSON.stringify(straight));
    assert.deepEqual(await listGlobals(test.env), straight);
    const end = await test.end();
    assert.equal(end.reason, "client closed the connection");
    assert.ok(end.bytesFromServer > 0 && end.bytesFromClient > 0);
  },
});

Deno.test({
  name:
    "display guard loop: weston-simple-shm draws its window through the guard with its shm fds",
  ignore,
  async fn() {
    await using test = await startGuardedWeston();
    const client = await startSimpleShm(test.env);
    const { image, matched } = await test.weston.screenshotUntil(showsWindow);
    assert.ok(matched, `no window: ${JSON.stringify(vividRegion(image))}`);
    await client.stop();
    const end = await test.end();
    // The pool's fd went to weston: nothing could be drawn without it.
    assert.ok(end.fdsFromClient >= 1, JSON.stringify(end));
    const gone = await test.weston.screenshotUntil((shot) =>
      !showsWindow(shot)
    );
    assert.ok(gone.matched, "the window stayed after its client stopped");
  },
});

Deno.test({
  name:
    "display guard loop: a filter that throws ends its connection only, and closing releases everything",
  ignore,
  async fn() {
    // Deno keeps some fds of a Worker's runtime: warm up first.
    {
      await using warm = await startGuardedWeston("throw-first");
      await listGlobals(warm.env);
    }
    const before = openFds();
    let path: string;
    {
      await using test = await startGuardedWeston("throw-first");
      path = test.guard.path;
      const straight = await listGlobals(test.weston.env);
      // wayland-info ends quietly when its display hangs up on it.
      assert.deepEqual(await listGlobals(test.env), []);
      const refused = await test.end();
      assert.match(
        refused.reason,
        /^filter failed on client bytes: the test filter refuses/,
      );
      assert.ok(
        test.log.includes(`connection ${refused.id} closed: ${refused.reason}`),
        test.log.join("\n"),
      );
      assert.deepEqual(await listGlobals(test.env), straight);
      assert.equal((await test.end(2)).reason, "client closed the connection");
      // One more, left open while the guard closes.
      await using _shm = await startSimpleShm(test.env);
      await eventually(
        () => test.guard.openConnections() === 1 || undefined,
        "simple-shm's connection",
      );
      await test.guard.close();
      assert.equal(test.guard.openConnections(), 0);
      await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
    }
    await eventually(
      () => noMoreFds(before, openFds()) || undefined,
      () => `the fds of before (${before}), now ${openFds()}`,
    );
  },
});

/** wl_display.sync (object 1, opcode 0, 12 bytes) asking for callback `id`. */
function sync(into: DataView, at: number, id: number): void {
  into.setUint32(at, 1, true);
  into.setUint32(at + 4, (12 << 16) | 0, true);
  into.setUint32(at + 8, id, true);
}

Deno.test({
  name:
    "display guard loop: a client that sends without reading is held to the bound and cut off",
  ignore,
  async fn() {
    await using test = await startGuardedWeston();
    const conn = await Deno.connect({
      transport: "unix",
      path: test.guard.path,
    });
    // Each sync is answered with 24 bytes (done, delete_id) the client
    // never reads.
    const perWrite = 4096;
    const batch = new Uint8Array(perWrite * 12);
    const view = new DataView(batch.buffer);
    let id = 2;
    try {
      while (id < 4_000_000) {
        for (let i = 0; i < perWrite; i++) sync(view, i * 12, id++);
        for (let at = 0; at < batch.length;) {
          at += await conn.write(batch.subarray(at));
        }
      }
    } catch {
      // The guard closed the connection.
    } finally {
      conn.close();
    }
    const end = await test.end();
    assert.ok(id < 4_000_000, "the guard never closed the connection");
    assert.match(end.reason, /^compositor closed the connection/);
    assert.ok(test.log.some((line) => line.includes(end.reason)));
    assert.ok(
      end.mostQueued <= BACKPRESSURE_BYTES + 64 * 1024,
      `${end.mostQueued} bytes queued`,
    );
    // The compositor and the guard are none the worse.
    assert.ok((await listGlobals(test.env)).length > 5);
  },
});
