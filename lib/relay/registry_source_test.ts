import assert from "node:assert/strict";
import { join } from "node:path";
import type { VmRecord } from "../state/mod.ts";
import {
  closedByRelay,
  readAll,
  serveUnix,
  tempDir,
  writeAll,
} from "./_test_sockets.ts";
import { startDispatcher } from "./dispatcher.ts";
import { registryAccessSource } from "./registry_source.ts";

async function writeRecord(runtime: string, record: VmRecord): Promise<void> {
  await Deno.mkdir(join(runtime, record.name), { recursive: true });
  await Deno.writeTextFile(
    join(runtime, record.name, "vm.json"),
    JSON.stringify(record),
  );
}

function record(
  name: string,
  cid: number | undefined,
  wayland: string,
): VmRecord {
  return {
    name,
    app: "test",
    image: "test",
    // This test process stands in for QEMU: the record counts as alive.
    pid: Deno.pid,
    ownerPid: Deno.pid,
    memoryBytes: 1,
    cid,
    services: { wayland },
    startedAt: new Date().toISOString(),
  };
}

Deno.test("registry: live VMs with a CID, dead ones and CID-less ones left out", async () => {
  await using dir = await tempDir();
  const runtime = dir.join("runtime");
  await writeRecord(runtime, record("alive", 5, "/w5"));
  await writeRecord(runtime, record("no-vsock", undefined, "/w"));
  await writeRecord(runtime, { ...record("dead", 6, "/w6"), pid: 2 ** 30 });
  assert.deepEqual(await registryAccessSource(runtime)(), [
    { name: "alive", cid: 5, services: { wayland: "/w5" } },
  ]);
  assert.deepEqual(await registryAccessSource(dir.join("missing"))(), []);
});

Deno.test("registry: VMs come and go without restarting the dispatcher", async () => {
  await using dir = await tempDir();
  const runtime = dir.join("runtime");
  await using wayland = serveUnix(dir.join("wayland"), async (conn) => {
    await writeAll(conn, await readAll(conn));
  });
  await using _dispatcher = await startDispatcher({
    listeners: [{ unixPath: dir.join("in"), peerCid: 5, port: 7000 }],
    vms: registryAccessSource(runtime),
  });
  const attempt = async () => {
    const conn = await Deno.connect({
      transport: "unix",
      path: dir.join("in"),
    });
    await writeAll(conn, new TextEncoder().encode("hi"));
    await conn.closeWrite();
    const answer = new TextDecoder().decode(
      await readAll(conn).catch(() => new Uint8Array()),
    );
    conn.close();
    return answer;
  };
  assert.equal(await attempt(), "", "no VM yet");
  await writeRecord(runtime, record("work", 5, wayland.path));
  assert.equal(await attempt(), "hi");
  await Deno.remove(join(runtime, "work"), { recursive: true });
  const conn = await Deno.connect({ transport: "unix", path: dir.join("in") });
  assert.ok(await closedByRelay(conn), "the VM is gone");
  conn.close();
  assert.equal(wayland.accepted, 1);
});
