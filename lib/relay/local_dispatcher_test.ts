import assert from "node:assert/strict";
import { join } from "node:path";
import { serveLocalVms, vsockPortTaken } from "./local_dispatcher.ts";
import { openFdApi, openSocketApi, VMADDR_CID_ANY } from "../ffi/mod.ts";
import { serveUnix, tempDir } from "./_test_sockets.ts";

async function echoOnce(path: string, text: string): Promise<string> {
  const conn = await Deno.connect({ transport: "unix", path });
  try {
    await conn.write(new TextEncoder().encode(text));
    await conn.closeWrite();
    return await new Response(conn.readable).text();
  } catch (error) {
    conn.close();
    throw error;
  }
}

Deno.test("the local dispatcher ends at once when no VM uses kernel vsock", async () => {
  await using dir = await tempDir();
  assert.equal(await serveLocalVms({ runtimeDir: dir.path }), "no-vms");
});

Deno.test("the local dispatcher serves while VMs live, hands over, and ends with the last VM", async () => {
  await using dir = await tempDir();
  const runtime = dir.join("runtime");
  await Deno.mkdir(join(runtime, "player-1"), { recursive: true });
  await using echo = serveUnix(dir.join("pulse.sock"), async (conn) => {
    await conn.readable.pipeTo(conn.writable);
  });
  // A stand-in for the VM's QEMU: the registry trusts live pids only.
  const qemu = new Deno.Command("sleep", { args: ["60"] }).spawn();
  try {
    await Deno.writeTextFile(
      join(runtime, "player-1", "vm.json"),
      JSON.stringify({
        name: "player-1",
        app: "player",
        image: "/images/x.img",
        pid: qemu.pid,
        ownerPid: Deno.pid,
        memoryBytes: 1,
        cid: 5,
        services: { audio: echo.path },
        startedAt: new Date().toISOString(),
      }),
    );
    const listeners = [{
      unixPath: dir.join("vm-5.sock"),
      peerCid: 5,
      port: 7001,
    }];
    const first = new AbortController();
    const firstEnd = serveLocalVms({
      runtimeDir: runtime,
      listeners,
      pollMs: 50,
      signal: first.signal,
    });
    const secondEnd = serveLocalVms({
      runtimeDir: runtime,
      listeners,
      pollMs: 50,
    });
    const connects = async () => {
      for (let i = 0; i < 100; i++) {
        const reply = await echoOnce(listeners[0].unixPath, "hi").catch(() =>
          ""
        );
        if (reply === "hi") return true;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return false;
    };
    assert.ok(await connects(), "one of the two serves the VM");
    first.abort();
    assert.equal(await firstEnd, "aborted");
    assert.ok(await connects(), "the waiting one took over");
    qemu.kill("SIGKILL");
    await qemu.status;
    assert.equal(await secondEnd, "no-vms");
    await assert.rejects(() => echoOnce(listeners[0].unixPath, "hi"));
  } finally {
    try {
      qemu.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    await qemu.status;
  }
});

Deno.test("a vsock port held by another socket counts as taken", () => {
  const port = 50_000 + Math.floor(Math.random() * 10_000);
  assert.equal(vsockPortTaken(port), false);
  using sockets = openSocketApi();
  using fds = openFdApi();
  const fd = sockets.socket("vsock");
  try {
    sockets.bind(fd, { family: "vsock", cid: VMADDR_CID_ANY, port });
    sockets.listen(fd, 1);
    assert.equal(vsockPortTaken(port), true);
  } finally {
    fds.close(fd);
  }
  assert.equal(vsockPortTaken(port), false);
});
