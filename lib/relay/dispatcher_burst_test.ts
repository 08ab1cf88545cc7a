/**
 * Issue 13, finding 2: one VM's burst of connections must not starve the
 * other VMs'. The dispatcher reads a real runtime registry here, as the
 * local dispatcher does.
 */
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
import { registryAccessSource } from "./registry_source.ts";
import { deadPid, writeVmRecords } from "../../tests/desktop/vm_registry.ts";

const WAYLAND = 7000;
const NOISY = 5;
const QUIET = 6;
const GONE = 7;
const BURST = 200;

/** Counts the processes this isolate starts until disposed. */
function countSpawns(): { readonly spawned: number } & Disposable {
  const real = Deno.Command;
  const counter = { spawned: 0 };
  Deno.Command = class extends real {
    constructor(...args: ConstructorParameters<typeof real>) {
      super(...args);
      counter.spawned++;
    }
  };
  return {
    get spawned() {
      return counter.spawned;
    },
    [Symbol.dispose]: () => Deno.Command = real,
  };
}

/**
 * Connects, again while the listen backlog is full (a UNIX socket says
 * EAGAIN then), as a guest's burst keeps trying.
 */
async function connect(path: string): Promise<Deno.UnixConn> {
  for (let tries = 0;; tries++) {
    try {
      return await Deno.connect({ transport: "unix", path });
    } catch (error) {
      if (!(error instanceof Deno.errors.WouldBlock) || tries > 1_000) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

/** How many connections `decisions` are about: a summary stands for several. */
function connectionsIn(decisions: readonly RelayDecision[]): number {
  return decisions.reduce((sum, d) => sum + (d.repeated ?? 1), 0);
}

async function roundTrip(path: string): Promise<string> {
  const conn = await connect(path);
  try {
    await writeAll(conn, new TextEncoder().encode("ping"));
    await conn.closeWrite();
    return new TextDecoder().decode(await readAll(conn));
  } finally {
    conn.close();
  }
}

Deno.test("burst: one VM gets its cap and no more, refusals are logged once, no process per connection, others get through", async () => {
  await using dir = await tempDir();
  // The noisy VM's service holds every connection until the client goes.
  await using held = serveUnix(dir.join("held"), (conn) => readAll(conn));
  await using quiet = serveUnix(dir.join("echo"), echo);
  const runtime = dir.join("runtime");
  await writeVmRecords(runtime, [
    { name: "noisy", cid: NOISY, services: { wayland: held.path } },
    { name: "quiet", cid: QUIET, services: { wayland: quiet.path } },
    {
      name: "gone",
      cid: GONE,
      services: { wayland: quiet.path },
      pid: await deadPid(),
    },
  ]);
  const standIn = (cid: number) => dir.join(`vsock-${cid}.sock`);
  const decisions: RelayDecision[] = [];
  const ends: ConnectionEnd[] = [];
  const dispatcher = await startDispatcher({
    listeners: [NOISY, QUIET, GONE].map((cid) => ({
      unixPath: standIn(cid),
      peerCid: cid,
      port: WAYLAND,
    })),
    vms: registryAccessSource(runtime),
    onDecision: (decision) => decisions.push(decision),
    onEnd: (end) => ends.push(end),
  });
  const noisy: Deno.UnixConn[] = [];
  try {
    using spawns = countSpawns();
    const burst = Promise.all(
      Array.from({ length: BURST }, () => connect(standIn(NOISY))),
    );
    const started = performance.now();
    assert.equal(await roundTrip(standIn(QUIET)), "ping");
    const quietMs = performance.now() - started;
    noisy.push(...await burst);
    await waitFor(
      () => connectionsIn(decisions.filter((d) => d.cid === NOISY)) === BURST,
      "a decision on every connection of the burst",
    );
    assert.equal(spawns.spawned, 0, "processes started to route connections");
    await waitFor(() => held.accepted === 64, "the noisy VM's 64");
    const gone = await connect(standIn(GONE));
    assert.ok(await closedByRelay(gone), "a dead VM's record was believed");
    gone.close();
    // Generous: before the fix this took seconds with a registry this size.
    assert.ok(quietMs < 5_000, `the quiet VM waited ${quietMs} ms`);
  } finally {
    for (const conn of noisy) conn.close();
    await dispatcher.close();
  }
  const noisyDecisions = decisions.filter((d) => d.cid === NOISY);
  const allowed = noisyDecisions.filter((d) => d.decision === "allow");
  const refused = noisyDecisions.filter((d) => d.decision === "deny");
  assert.equal(allowed.length, 64);
  assert.equal(held.accepted, 64);
  for (const refusal of refused) {
    assert.equal(
      refusal.reason,
      "CID 5 has 64 connections open or pending, the most one VM may have",
    );
    assert.equal(refusal.service, "wayland");
  }
  assert.equal(connectionsIn(refused), BURST - 64, "every refusal counted");
  assert.ok(refused.length <= 4, `${refused.length} lines for one flood`);
  assert.ok(
    ends.filter((end) => end.error?.includes("most one VM")).length <=
      refused.length,
    "ends of folded refusals were reported one by one",
  );
  assert.deepEqual(
    decisions.filter((d) => d.cid === GONE).map((d) => d.reason),
    [`unknown CID ${GONE}`],
  );
});

Deno.test("burst: a VM at its cap gets a connection again once one of its own ends", async () => {
  await using dir = await tempDir();
  await using held = serveUnix(dir.join("held"), (conn) => readAll(conn));
  const runtime = dir.join("runtime");
  await writeVmRecords(runtime, [
    { name: "noisy", cid: NOISY, services: { wayland: held.path } },
  ]);
  const decisions: RelayDecision[] = [];
  await using dispatcher = await startDispatcher({
    listeners: [{ unixPath: dir.join("in"), peerCid: NOISY, port: WAYLAND }],
    vms: registryAccessSource(runtime),
    limits: { perCid: 2 },
    onDecision: (decision) => decisions.push(decision),
  });
  const first = await connect(dir.join("in"));
  const second = await connect(dir.join("in"));
  await waitFor(() => held.accepted === 2, "two connections");
  const third = await connect(dir.join("in"));
  using _deadline = closeAfter(third, 5_000);
  assert.ok(await closedByRelay(third), "over the cap, and relayed");
  third.close();
  first.close();
  await waitFor(() => dispatcher.openConnections === 1, "the first to end");
  const fourth = await connect(dir.join("in"));
  await waitFor(() => held.accepted === 3, "the fourth to be relayed");
  fourth.close();
  second.close();
  assert.deepEqual(
    decisions.map((d) => d.decision),
    ["allow", "allow", "deny", "allow"],
  );
  assert.match(decisions[2].reason ?? "", /CID 5 has 2 connections/);
});
