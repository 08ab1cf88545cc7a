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
import { PolicyFileError } from "./policy_file.ts";
import {
  policyFileAccessSource,
  registryAccessSource,
} from "./registry_source.ts";

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

/** Sends "hi" through the relay at `path`: what came back ("" when refused). */
async function sayHi(path: string): Promise<string> {
  const conn = await Deno.connect({ transport: "unix", path });
  await writeAll(conn, new TextEncoder().encode("hi"));
  await conn.closeWrite();
  const answer = new TextDecoder().decode(
    await readAll(conn).catch(() => new Uint8Array()),
  );
  conn.close();
  return answer;
}

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
  const attempt = () => sayHi(dir.join("in"));
  assert.equal(await attempt(), "", "no VM yet");
  await writeRecord(runtime, record("work", 5, wayland.path));
  assert.equal(await attempt(), "hi");
  await Deno.remove(join(runtime, "work"), { recursive: true });
  const conn = await Deno.connect({ transport: "unix", path: dir.join("in") });
  assert.ok(await closedByRelay(conn), "the VM is gone");
  conn.close();
  assert.equal(wayland.accepted, 1);
});

Deno.test("registry: a VM that exits is refused at once, though its record is cached; a new VM with its CID gets only its own", async () => {
  await using dir = await tempDir();
  const runtime = dir.join("runtime");
  await using oldService = serveUnix(dir.join("old"), async (conn) => {
    await writeAll(conn, await readAll(conn));
  });
  await using newService = serveUnix(dir.join("new"), async (conn) => {
    await readAll(conn);
    await writeAll(conn, new TextEncoder().encode("new"));
  });
  const qemu = new Deno.Command("sleep", { args: ["60"] }).spawn();
  try {
    await writeRecord(runtime, {
      ...record("old", 5, oldService.path),
      pid: qemu.pid,
    });
    await using _dispatcher = await startDispatcher({
      listeners: [{ unixPath: dir.join("in"), peerCid: 5, port: 7000 }],
      vms: registryAccessSource(runtime),
    });
    const attempt = () => sayHi(dir.join("in"));
    assert.equal(await attempt(), "hi");
    // QEMU exits; its owner was killed too, so the record stays, unchanged.
    qemu.kill("SIGKILL");
    await qemu.status;
    assert.equal(await attempt(), "", "a dead VM's record was believed");
    // A new VM takes CID 5 and registers beside the stale record.
    await writeRecord(runtime, record("new", 5, newService.path));
    assert.equal(await attempt(), "new");
    assert.equal(oldService.accepted, 1, "the old VM's service was reached");
  } finally {
    try {
      qemu.kill("SIGKILL");
    } catch {
      // Killed by the test already.
    }
    await qemu.status;
  }
});

Deno.test("policy file source: edits apply, a broken file fails until fixed, a removed one says so", async () => {
  await using dir = await tempDir();
  const path = dir.join("policy.yaml");
  const write = (cid: number) =>
    Deno.writeTextFile(
      path,
      `vms:\n  - name: work\n    cid: ${cid}\n    services:\n      wayland: /w\n`,
    );
  await write(5);
  const source = policyFileAccessSource(path);
  const answers = await Promise.all(Array.from({ length: 50 }, source));
  assert.ok(answers.every((vms) => vms[0].cid === 5));
  await write(16);
  assert.equal((await source())[0].cid, 16, "an edit of another size");
  await Deno.writeTextFile(path, "vms: [");
  await assert.rejects(source, PolicyFileError);
  await write(17);
  assert.equal((await source())[0].cid, 17);
  await Deno.remove(path);
  await assert.rejects(source, /no such policy file/);
});
