/**
 * Benchmark: guest → host stream throughput through the user-space
 * vhost-user-vsock back-end (lib/vsock/), side by side in one run with
 *   - virtio-serial: the same guest writing the same bytes to a
 *     virtserialport whose QEMU chardev is a UNIX socket (the VM's control
 *     port: QEMU's own in-process path to a host socket, no back-end of
 *     ours), and
 *   - socat relaying UNIX socket → UNIX socket on the host (no VM at all:
 *     the ceiling of a user-space relay on this machine).
 * Each is timed at the host sink from its first byte to its last, and
 * reported as MiB/s and as a ratio to the user-space vsock figure.
 *
 * Kernel vhost-vsock is not compared: this machine has no /dev/vhost-vsock
 * (see DESIGN.md), and a comparison nobody ran would be made up.
 *
 * Usage (from the repository root; uses the VM test kernel cache):
 *   deno run -A bench/vsock_throughput.ts [--mib 64]
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startVsockBackend } from "../lib/vsock/mod.ts";
import { testKernel } from "../tests/vm/test_data_dir.ts";
import { startBareVm } from "../tests/vm/bare_vm.ts";
import { makePeerRoot } from "../tests/vm/vsock_peer.ts";

const { values } = parseArgs({
  options: { mib: { type: "string", default: "64" } },
});
const mib = Number(values.mib);
if (!Number.isInteger(mib) || mib < 1) {
  throw new Error("--mib must be a whole number of MiB, at least 1");
}
const BYTES = mib * 1024 * 1024;
const SINK_PORT = 5001;

/** A UNIX socket sink timing each connection from first to last byte. */
function sink(path: string) {
  const listener = Deno.listen({ transport: "unix", path });
  const done: { bytes: number; seconds: number }[] = [];
  const waiters: (() => void)[] = [];
  const serving = (async () => {
    for await (const conn of listener) {
      (async () => {
        const buffer = new Uint8Array(256 * 1024);
        let bytes = 0;
        let first = 0;
        try {
          while (bytes < BYTES) {
            const count = await conn.read(buffer);
            if (count === null) break;
            if (bytes === 0) first = performance.now();
            bytes += count;
          }
        } catch (error) {
          console.error(`sink ${path}:`, error);
        } finally {
          done.push({ bytes, seconds: (performance.now() - first) / 1000 });
          conn.close();
          waiters.splice(0).forEach((wake) => wake());
        }
      })();
    }
  })().catch(() => {});
  return {
    async next(): Promise<{ bytes: number; seconds: number }> {
      while (done.length === 0) {
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
      return done.shift()!;
    },
    async close() {
      listener.close();
      await serving;
    },
  };
}

function mibPerSecond(result: { bytes: number; seconds: number }): number {
  if (result.bytes !== BYTES) {
    throw new Error(`sink got ${result.bytes} bytes of ${BYTES}`);
  }
  return result.bytes / 2 ** 20 / result.seconds;
}

const kernel = await testKernel();
const dir = await Deno.makeTempDir({ prefix: "qubesify-vsock-bench-" });
try {
  const root = await makePeerRoot(
    dir,
    `#!/bin/busybox sh
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
/bin/vsock_peer send ${SINK_PORT} ${BYTES}
# The control port: port 1 of the only virtio-serial device, whose number
# is in the name.
/bin/vsock_peer write /dev/vport*p1 ${BYTES}
/bin/busybox reboot -f
`,
  );
  const vsockSink = sink(join(dir, "vsock-sink.sock"));
  const serialSink = sink(join(dir, "serial-sink.sock"));
  const backend = await startVsockBackend({
    socketPath: join(dir, "vsock.sock"),
    guestCid: 3,
    services: new Map([[SINK_PORT, join(dir, "vsock-sink.sock")]]),
  });
  await using vm = await startBareVm({
    kernel: kernel.bzImage,
    rootImage: root,
    vsock: { kind: "user", socket: join(dir, "vsock.sock") },
    controlSocket: join(dir, "serial-sink.sock"),
    timeoutMs: 600_000,
  });
  let userVsock: number;
  let serial: number;
  try {
    userVsock = mibPerSecond(await vsockSink.next());
    serial = mibPerSecond(await serialSink.next());
  } finally {
    await vm.exit;
    if (!/RESULT write sent=\d+ ok=1/.test(vm.output())) {
      console.error(vm.output().slice(-2000));
    }
    await backend.close();
    await vsockSink.close();
    await serialSink.close();
  }

  // The host-only ceiling: socat between two UNIX sockets.
  const relaySink = sink(join(dir, "relay-sink.sock"));
  const relay = join(dir, "relay.sock");
  const socat = new Deno.Command("socat", {
    args: [
      `UNIX-LISTEN:${relay}`,
      `UNIX-CONNECT:${join(dir, "relay-sink.sock")}`,
    ],
    stdin: "null",
  }).spawn();
  let relayed: number;
  try {
    let conn: Deno.UnixConn | undefined;
    for (let i = 0; !conn; i++) {
      try {
        conn = await Deno.connect({ transport: "unix", path: relay });
      } catch (error) {
        if (i > 100) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    const chunk = new Uint8Array(64 * 1024);
    for (let sent = 0; sent < BYTES;) {
      sent += await conn.write(
        chunk.subarray(0, Math.min(chunk.length, BYTES - sent)),
      );
    }
    conn.close();
    relayed = mibPerSecond(await relaySink.next());
  } finally {
    try {
      socat.kill("SIGTERM");
    } catch {
      // Already exited after its connection ended.
    }
    await socat.status;
    await relaySink.close();
  }

  const rows: [string, number][] = [
    ["user-space vhost-vsock (guest → host, TCG)", userVsock],
    ["virtio-serial chardev socket (guest → host, TCG)", serial],
    ["socat UNIX → UNIX (host only)", relayed],
  ];
  console.log(`guest → host stream of ${mib} MiB, timed at the host sink`);
  for (const [name, rate] of rows) {
    console.log(
      `${name.padEnd(52)} ${rate.toFixed(1).padStart(8)} MiB/s  ×${
        (rate / userVsock).toFixed(2)
      } of user-space vsock`,
    );
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
