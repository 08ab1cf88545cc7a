/**
 * VM tier: the user-space vsock back-end (lib/vsock/) behind QEMU's
 * vhost-user-vsock-device, under TCG, with our kernel and a static guest
 * program. Host services are UNIX socket servers the test runs; every
 * payload is a pseudo-random stream checked byte for byte on both ends.
 *
 * The kernel comes from the cache of tests/vm/kernel_boot_test.ts (same
 * buildKernel call, so a cache hit costs nothing).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  type BackendEvent,
  connectToGuest,
  startVsockBackend,
} from "../../lib/vsock/mod.ts";
import { KERNEL_SOURCE, testKernel } from "./test_data_dir.ts";
import { startBareVm } from "./bare_vm.ts";
import { makePeerRoot } from "./vsock_peer.ts";
import { toolsOrSkip } from "../require_tools.ts";

// gcc (with libc6-dev's static libc) builds the guest program.
const ignore = await toolsOrSkip(["qemu-system-x86_64", "gcc", "mke2fs"], {
  files: [KERNEL_SOURCE, "/usr/bin/busybox"],
});

const ECHO_PORT = 5000;
const SINK_PORT = 5001;
const MISSING_PORT = 5002;
const DENIED_PORT = 5999;
const GUEST_LISTEN_PORT = 6000;
const BIG = 4 * 1024 * 1024;
const PARALLEL = 16;

/** The guest program's stream: xorshift32 from `seed`, low byte each step. */
function peerStream(bytes: number, seed: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let x = seed >>> 0;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** What a host service saw on one connection. */
interface Seen {
  bytes: number;
  sha256: string;
  /** How it ended: end of file, or an error. */
  end: "eof" | "error";
}

/**
 * A UNIX socket service: echoes every connection (or only counts, for
 * `sink`), remembering what each one received.
 */
function serve(path: string, mode: "echo" | "sink") {
  const listener = Deno.listen({ transport: "unix", path });
  const seen: Seen[] = [];
  const open = new Set<Deno.UnixConn>();
  const handlers: Promise<void>[] = [];
  const received = { bytes: 0 };
  const handle = async (conn: Deno.UnixConn) => {
    open.add(conn);
    const hash = createHash("sha256");
    const buffer = new Uint8Array(64 * 1024);
    let bytes = 0;
    let end: Seen["end"] = "eof";
    try {
      while (true) {
        const count = await conn.read(buffer);
        if (count === null) break;
        const chunk = buffer.subarray(0, count);
        hash.update(chunk);
        bytes += count;
        received.bytes += count;
        if (mode === "echo") {
          for (let at = 0; at < count;) {
            at += await conn.write(chunk.subarray(at));
          }
        }
      }
      if (mode === "echo") await conn.closeWrite();
    } catch {
      end = "error";
    } finally {
      open.delete(conn);
      conn.close();
      seen.push({ bytes, sha256: hash.digest("hex"), end });
    }
  };
  const accepting = (async () => {
    try {
      for await (const conn of listener) handlers.push(handle(conn));
    } catch {
      // Listener closed.
    }
  })();
  return {
    seen,
    received,
    open,
    async close() {
      listener.close();
      await accepting;
      for (const conn of open) conn.close();
      await Promise.allSettled(handlers);
    },
  };
}

/**
 * Open fds by kind (eventfd, socket, pipe, memfd…) and whether guest
 * memory is still mapped. Deno keeps some fds of the last Worker's runtime
 * after it ends, so tests take their baseline after one warm-up back-end.
 */
function openFds(): string {
  const kinds = new Map<string, number>();
  for (const entry of Deno.readDirSync("/proc/self/fd")) {
    let target: string;
    try {
      target = Deno.readLinkSync(`/proc/self/fd/${entry.name}`);
    } catch {
      continue; // The fd of the directory listing itself.
    }
    const kind = target.replace(/:\[\d+\]$/, "").replace(/^\/.*/, "file");
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  const mapped = Deno.readTextFileSync("/proc/self/maps").split("\n")
    .filter((line) => line.includes("memfd:")).length;
  return JSON.stringify({ ...Object.fromEntries([...kinds].sort()), mapped });
}

async function warmUp(dir: string): Promise<void> {
  const backend = await startVsockBackend({
    socketPath: join(dir, "warm-up.sock"),
    guestCid: 3,
    services: new Map(),
  });
  await backend.close();
  assert.equal(await backend.ended, "stopped");
  await new Promise((resolve) => setTimeout(resolve, 200));
}

async function eventually(
  check: () => boolean,
  what: string | (() => string),
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting: ${typeof what === "string" ? what : what()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function results(output: string): Map<string, string>[] {
  return [...output.matchAll(/^RESULT (.*?)\r?$/gm)].map((m) =>
    new Map(
      m[1].split(" ").map((field) => {
        const at = field.indexOf("=");
        return at === -1
          ? [field, ""]
          : [field.slice(0, at), field.slice(at + 1)];
      }),
    )
  );
}

Deno.test({
  name:
    "user-space vsock: guest ↔ host streams, half-close, many connections, refusals, host → guest",
  ignore,
}, async () => {
  const kernel = await testKernel();
  const dir = await Deno.makeTempDir({ prefix: "qubesify-user-vsock-" });
  const echo = serve(join(dir, "echo.sock"), "echo");
  const events: BackendEvent[] = [];
  try {
    const parallel = Array.from({ length: PARALLEL }, (_, i) => ({
      bytes: 100_000 + i * 4099,
      seed: i + 2,
    }));
    const init = `#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
echo GUEST-UP
/bin/vsock_peer stream ${ECHO_PORT} ${BIG} 1
${
      parallel.map((p) =>
        `/bin/vsock_peer stream ${ECHO_PORT} ${p.bytes} ${p.seed} &`
      ).join("\n")
    }
wait
/bin/vsock_peer stream ${DENIED_PORT} 10 1
/bin/vsock_peer stream ${MISSING_PORT} 10 1
/bin/vsock_peer listen ${GUEST_LISTEN_PORT}
echo GUEST-DONE
/bin/busybox reboot -f
`;
    const root = await makePeerRoot(dir, init);
    await warmUp(dir);
    const baseline = openFds();
    const socketPath = join(dir, "vsock.sock");
    const connectPath = join(dir, "vsock.connect");
    const backend = await startVsockBackend({
      socketPath,
      connectPath,
      guestCid: 42,
      services: new Map([
        [ECHO_PORT, join(dir, "echo.sock")],
        [MISSING_PORT, join(dir, "nobody-listens.sock")],
      ]),
      onEvent: (event) => events.push(event),
    });
    const started = performance.now();
    await using vm = await startBareVm({
      kernel: kernel.bzImage,
      rootImage: root,
      vsock: { kind: "user", socket: socketPath },
      timeoutMs: 300_000,
    });
    await vm.waitFor(/^LISTENING port=6000/m, 280_000);
    const streamSeconds = (performance.now() - started) / 1000;

    // Host → guest: through the connect socket, echoed by the guest.
    const payload = peerStream(1024 * 1024, 99);
    const conn = await connectToGuest(connectPath, GUEST_LISTEN_PORT);
    const echoed = new Uint8Array(payload.length + 1);
    const reading = (async () => {
      let at = 0;
      while (true) {
        const count = await conn.read(echoed.subarray(at));
        if (count === null) return at;
        at += count;
      }
    })();
    for (let at = 0; at < payload.length;) {
      at += await conn.write(payload.subarray(at));
    }
    await conn.closeWrite();
    const echoedBytes = await reading;
    conn.close();
    assert.equal(echoedBytes, payload.length, "host → guest echo length");
    assert.ok(
      echoed.subarray(0, payload.length).every((b, i) => b === payload[i]),
      "host → guest echo is byte for byte",
    );
    await vm.waitFor(/GUEST-DONE/, 60_000);
    const exit = await vm.exit;
    assert.equal(exit.code, 0, vm.output().slice(-3000));

    // What the guest saw.
    const got = results(vm.output());
    const streams = got.filter((r) => r.get("stream") === "");
    const ok = streams.filter((r) => r.get("ok") === "1");
    assert.equal(
      ok.length,
      1 + PARALLEL,
      `every stream came back intact:\n${vm.output().slice(-3000)}`,
    );
    assert.ok(
      ok.some((r) => r.get("sent") === String(BIG)),
      "the 4 MiB stream",
    );
    const refused = streams.filter((r) => r.get("error"));
    assert.deepEqual(
      refused.map((r) => [r.get("port"), r.get("error")]),
      [
        [String(DENIED_PORT), "connect:ECONNRESET"],
        [String(MISSING_PORT), "connect:ECONNRESET"],
      ],
    );
    const listened = got.find((r) => r.get("listen") === "");
    assert.equal(listened?.get("echoed"), String(payload.length));

    // What the host service saw: the guest's exact bytes, every one.
    await eventually(
      () => echo.seen.length === 1 + PARALLEL,
      "echo connections to end",
    );
    const expected = [{ bytes: BIG, seed: 1 }, ...parallel].map((p) => ({
      bytes: p.bytes,
      sha256: sha256(peerStream(p.bytes, p.seed)),
      end: "eof",
    })).sort((a, b) => a.bytes - b.bytes);
    assert.deepEqual(
      [...echo.seen].sort((a, b) => a.bytes - b.bytes),
      expected,
    );

    // The back-end ends with QEMU and leaves nothing open.
    assert.equal(await backend.ended, "QEMU disconnected");
    await eventually(
      () => openFds() === baseline,
      () => `fds back to ${baseline}, have ${openFds()}`,
    );
    assert.equal(
      await Deno.stat(socketPath).then(() => true, () => false),
      false,
      "vhost-user socket removed",
    );
    const refusals = events.filter((e) => e.kind === "refused");
    assert.deepEqual(refusals.map((e) => "port" in e && e.port), [
      DENIED_PORT,
      MISSING_PORT,
    ]);
    console.log(
      `guest → host: 4 MiB + ${PARALLEL} parallel streams echoed in ${
        streamSeconds.toFixed(1)
      }s (TCG, boot included)`,
    );
  } finally {
    await echo.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "user-space vsock: a guest killed mid-stream leaves nothing behind",
  ignore,
}, async () => {
  const kernel = await testKernel();
  const dir = await Deno.makeTempDir({ prefix: "qubesify-user-vsock-" });
  const sink = serve(join(dir, "sink.sock"), "sink");
  try {
    const root = await makePeerRoot(
      dir,
      `#!/bin/busybox sh
/bin/vsock_peer flood ${SINK_PORT}
`,
    );
    await warmUp(dir);
    const baseline = openFds();
    const socketPath = join(dir, "vsock.sock");
    const backend = await startVsockBackend({
      socketPath,
      guestCid: 43,
      services: new Map([[SINK_PORT, join(dir, "sink.sock")]]),
    });
    await using vm = await startBareVm({
      kernel: kernel.bzImage,
      rootImage: root,
      vsock: { kind: "user", socket: socketPath },
      timeoutMs: 200_000,
    });
    await vm.waitFor(/FLOODING/, 180_000);
    await eventually(
      () => sink.received.bytes > 2 * 1024 * 1024,
      "2 MiB at the sink",
      60_000,
    );
    vm.kill();
    await vm.exit;
    assert.equal(await backend.ended, "QEMU disconnected");
    await eventually(() => sink.seen.length === 1, "sink connection to end");
    assert.equal(sink.open.size, 0);
    await eventually(
      () => openFds() === baseline,
      () => `fds back to ${baseline}, have ${openFds()}`,
    );
  } finally {
    await sink.close();
    await Deno.remove(dir, { recursive: true });
  }
});
