import assert from "node:assert/strict";
import { vmServicePorts } from "../guest/mod.ts";
import {
  closeAfter,
  closedByRelay,
  echo,
  readAll,
  serveUnix,
  tempDir,
  writeAll,
} from "./_test_sockets.ts";
import type { RelayDecision } from "./decision.ts";
import { vsockPortTaken } from "./local_dispatcher.ts";
import {
  startVmRelay,
  VmPortsInUseError,
  vmRelayListeners,
} from "./vm_relay.ts";

/** Sends `text`, half-closes, and returns the reply; "" when refused. */
async function talk(path: string, text: string): Promise<string> {
  const conn = await Deno.connect({ transport: "unix", path });
  using _deadline = closeAfter(conn, 5_000);
  try {
    await writeAll(conn, new TextEncoder().encode(text));
    await conn.closeWrite();
    return new TextDecoder().decode(await readAll(conn));
  } catch (error) {
    if (error instanceof Deno.errors.ConnectionReset) return "";
    throw error;
  } finally {
    conn.close();
  }
}

/** A service that answers `<name>: <request>`. */
function namedService(path: string, name: string) {
  return serveUnix(path, async (conn) => {
    const request = new TextDecoder().decode(await readAll(conn));
    await writeAll(conn, new TextEncoder().encode(`${name}: ${request}`));
    await conn.closeWrite();
  });
}

Deno.test("a VM's relay serves its CID on its own block's ports", async () => {
  await using dir = await tempDir();
  await using audio = serveUnix(dir.join("audio.sock"), echo);
  const decisions: RelayDecision[] = [];
  await using _relay = await startVmRelay({
    vm: "player-1",
    cid: 5,
    services: { audio: audio.path },
    listeners: [{
      unixPath: dir.join("5-audio"),
      peerCid: 5,
      port: vmServicePorts(5).audio,
    }],
    onDecision: (decision) => decisions.push(decision),
  });
  assert.equal(await talk(dir.join("5-audio"), "hi"), "hi");
  assert.equal(decisions[0].decision, "allow");
  assert.equal(decisions[0].vm, "player-1");
  assert.equal(decisions[0].service, "audio");
});

Deno.test("spoof: another VM dialling a VM's ports is refused", async () => {
  await using dir = await tempDir();
  await using audio = serveUnix(dir.join("audio.sock"), echo);
  const decisions: RelayDecision[] = [];
  const ports = vmServicePorts(5);
  await using _relay = await startVmRelay({
    vm: "player-1",
    cid: 5,
    services: { audio: audio.path },
    listeners: [
      // CID 6 reaching CID 5's relay: on the kernel's vsock every VM dials
      // the same host, so the peer CID is all that tells them apart.
      { unixPath: dir.join("6-on-5"), peerCid: 6, port: ports.audio },
      // CID 6 on its own block's port, which CID 5's relay listens on
      // only if misconfigured: still not CID 5.
      {
        unixPath: dir.join("6-own"),
        peerCid: 6,
        port: vmServicePorts(6).audio,
      },
    ],
    onDecision: (decision) => decisions.push(decision),
  });
  for (const path of [dir.join("6-on-5"), dir.join("6-own")]) {
    const conn = await Deno.connect({ transport: "unix", path });
    using _deadline = closeAfter(conn, 5_000);
    assert.ok(await closedByRelay(conn), `${path} was relayed`);
    conn.close();
  }
  assert.equal(audio.accepted, 0);
  assert.deepEqual(decisions.map((d) => [d.decision, d.cid, d.reason]), [
    ["deny", 6, `port ${ports.audio} is CID 5's, not CID 6's`],
    ["deny", 6, "unknown CID 6"],
  ]);
});

Deno.test("spoof: a CID reused after its VM ended gets nothing of the old VM's", async () => {
  await using dir = await tempDir();
  await using oldAudio = namedService(dir.join("old-audio.sock"), "old");
  await using newAudio = namedService(dir.join("new-audio.sock"), "new");
  const listeners = [{
    unixPath: dir.join("5-audio"),
    peerCid: 5,
    port: vmServicePorts(5).audio,
  }];
  const old = await startVmRelay({
    vm: "player-1",
    cid: 5,
    services: { audio: oldAudio.path },
    listeners,
  });
  assert.equal(await talk(listeners[0].unixPath, "a"), "old: a");
  await old.close();
  // The old run's relay went with its VM: nothing listens for CID 5 now.
  await assert.rejects(() => talk(listeners[0].unixPath, "b"));
  await using _next = await startVmRelay({
    vm: "player-2",
    cid: 5,
    services: { audio: newAudio.path },
    listeners,
  });
  assert.equal(await talk(listeners[0].unixPath, "c"), "new: c");
  assert.equal(oldAudio.accepted, 1);
});

Deno.test("a VM's relay binds its block's vsock ports for its services, and frees them", async () => {
  // High CIDs, far from the ones `run` claims, so a real VM is not hit.
  const cid = 500_000_000 + Math.floor(Math.random() * 100_000_000);
  const ports = vmServicePorts(cid);
  const services = { wayland: "/nonexistent/w", audio: "/nonexistent/a" };
  assert.deepEqual(vmRelayListeners(cid, services), [
    { vsockPort: ports.wayland },
    { vsockPort: ports.audio },
  ]);
  const relay = await startVmRelay({ vm: "t-1", cid, services });
  try {
    assert.deepEqual(relay.addresses.map((a) => a.family), ["vsock", "vsock"]);
    assert.equal(vsockPortTaken(ports.wayland), true);
    assert.equal(vsockPortTaken(ports.audio), true);
    assert.equal(vsockPortTaken(ports.egress), false, "no egress socket");
    await assert.rejects(
      () => startVmRelay({ vm: "t-2", cid, services }),
      VmPortsInUseError,
    );
    // The neighbouring CID's block is its own.
    await using _neighbour = await startVmRelay({
      vm: "t-3",
      cid: cid + 1,
      services,
    });
  } finally {
    await relay.close();
  }
  assert.equal(vsockPortTaken(ports.wayland), false);
  assert.equal(vsockPortTaken(ports.audio), false);
});
