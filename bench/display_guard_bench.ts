/**
 * Benchmark: what the display guard costs a Wayland client, side by side
 * in one run with the same client straight on the compositor (a private
 * headless weston), reported as ratios. The client is a raw one
 * (tests/display/raw_wayland_client.ts) that blocks in recvmsg, so its
 * own cost is small and the same on both sides; the guard runs the real
 * filtering session (frames, labels, clipboard gate).
 *
 * - Round trip: `--syncs` wl_display.sync requests one after another,
 *   each waiting for its wl_callback.done; the mean time per round trip.
 *   Goal: through the guard ≤ 1.3 × straight.
 * - Frame-paced commits: a 250 × 250 window's shm buffer attached,
 *   damaged and committed with a frame callback, `--frames` times, each
 *   waiting for the callback, as an app draws; commits per second.
 * - Unpaced commits: `--commits` attach + damage + commit, a sync after
 *   every `--batch`; commits per second (the most the path carries).
 *   Goal for both: through the guard ≥ 0.95 × straight.
 *
 * A third side, the guard's loop with the test-only pass-through filter,
 * tells how much of the cost is moving bytes and fds between two sockets
 * (the loop) and how much is understanding them (the session).
 *
 * Each measurement is repeated `--repeat` times, the sides interleaved so
 * drift in the machine's load hits all alike; medians are reported.
 *
 * Usage (from the repository root):
 *   deno run -A bench/display_guard_bench.ts [--syncs 2000] [--frames 120]
 *     [--commits 50000] [--batch 50] [--repeat 5]
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  startProcessGroup,
  startWestonHeadless,
} from "../tests/desktop/mod.ts";
import { startGuardedDisplay } from "../tests/display/guarded_display.ts";
import { RawWaylandClient } from "../tests/display/raw_wayland_client.ts";
import { openRawWindow, type RawWindow } from "../tests/display/raw_window.ts";
import { median, positive } from "./bench_args.ts";

const { values } = parseArgs({
  options: {
    syncs: { type: "string", default: "2000" },
    frames: { type: "string", default: "120" },
    commits: { type: "string", default: "50000" },
    batch: { type: "string", default: "50" },
    repeat: { type: "string", default: "5" },
  },
});

const SYNCS = positive("syncs", values.syncs);
const FRAMES = positive("frames", values.frames);
const COMMITS = positive("commits", values.commits);
const BATCH = positive("batch", values.batch);
const REPEAT = positive("repeat", values.repeat);
const WINDOW = { width: 250, height: 250, colour: "#336699" };

/** Mean microseconds per sync round trip. */
function roundTrips(path: string): number {
  using client = RawWaylandClient.connect(path, { blocking: true });
  const start = performance.now();
  for (let i = 0; i < SYNCS; i++) {
    const callback = client.sync();
    client.pumpSync((event) => event.id === callback);
  }
  return (performance.now() - start) * 1000 / SYNCS;
}

/** A blocking client with a window shown, for the commit loops. */
async function windowClient(
  path: string,
): Promise<{ client: RawWaylandClient; window: RawWindow }> {
  const client = RawWaylandClient.connect(path, { blocking: true });
  try {
    return { client, window: await openRawWindow(client, WINDOW) };
  } catch (error) {
    client[Symbol.dispose]();
    throw error;
  }
}

/** Attach, damage and commit the window's buffer once more. */
function redraw(client: RawWaylandClient, window: RawWindow): void {
  client.request(window.surface, "attach", [window.buffer, 0, 0]);
  client.request(window.surface, "damage", [0, 0, WINDOW.width, WINDOW.height]);
}

/** Commits per second, each waiting for its frame callback. */
async function framePaced(path: string): Promise<number> {
  const { client, window } = await windowClient(path);
  using _client = client;
  const start = performance.now();
  for (let i = 0; i < FRAMES; i++) {
    redraw(client, window);
    const callback = client.create("wl_callback");
    client.request(window.surface, "frame", [callback]);
    client.request(window.surface, "commit", []);
    if (!client.pumpSync((event) => event.id === callback).matched) {
      throw new Error("the display closed the connection");
    }
  }
  return FRAMES * 1000 / (performance.now() - start);
}

/** Commits per second, a sync after every batch. */
async function unpaced(path: string): Promise<number> {
  const { client, window } = await windowClient(path);
  using _client = client;
  const start = performance.now();
  for (let done = 0; done < COMMITS; done += BATCH) {
    for (let i = 0; i < BATCH; i++) {
      redraw(client, window);
      client.request(window.surface, "commit", []);
    }
    const callback = client.sync();
    if (!client.pumpSync((event) => event.id === callback).matched) {
      throw new Error("the display closed the connection");
    }
  }
  return Math.ceil(COMMITS / BATCH) * BATCH * 1000 /
    (performance.now() - start);
}

await using weston = await startWestonHeadless();
const direct = join(weston.runtimeDir, weston.display);
await using guarded = await startGuardedDisplay({
  socket: direct,
  env: weston.env,
});
// The loop alone, without the session: where the guard's time goes.
await using loopOnly = await startGuardedDisplay({
  socket: direct,
  env: weston.env,
  config: { passThrough: true },
});
const sides = {
  direct,
  guard: guarded.guard.path,
  "pass-through": loopOnly.guard.path,
};
type Side = keyof typeof sides;

type Measure = (path: string) => number | Promise<number>;
const measures: { name: string; unit: string; run: Measure; goal: string }[] = [
  {
    name: "sync round trip",
    unit: "µs",
    run: roundTrips,
    goal: "≤ 1.3",
  },
  {
    name: "frame-paced commits",
    unit: "/s",
    run: framePaced,
    goal: "≥ 0.95",
  },
  { name: "unpaced commits", unit: "/s", run: unpaced, goal: "≥ 0.95" },
];

console.log(
  `weston headless; ${SYNCS} syncs, ${FRAMES} frames, ${COMMITS} commits ` +
    `(sync every ${BATCH}); median of ${REPEAT}; "loop": the guard's loop ` +
    "with the pass-through filter",
);
for (const measure of measures) {
  const order = Object.keys(sides) as Side[];
  // One warm-up each: the Worker's JIT, weston's first repaint.
  for (const side of order) await measure.run(sides[side]);
  const results = Object.fromEntries(
    order.map((side) => [side, [] as number[]]),
  ) as Record<Side, number[]>;
  for (let round = 0; round < REPEAT; round++) {
    for (const side of order) {
      results[side].push(await measure.run(sides[side]));
    }
  }
  const [straight, through, loop] = order.map((side) => median(results[side]));
  const { unit } = measure;
  console.log(
    `${measure.name.padEnd(20)} direct ${straight.toFixed(1)} ${unit}, ` +
      `guard ${through.toFixed(1)} ${unit}, loop ${loop.toFixed(1)} ${unit}; ` +
      `guard/direct ${(through / straight).toFixed(3)} ` +
      `(goal ${measure.goal}), loop/direct ${(loop / straight).toFixed(3)}`,
  );
}
// A plain byte-copying proxy (socat; it cannot pass fds, so only the
// round trip) shows what any proxy's extra hop costs on this machine.
const socatPath = join(weston.runtimeDir, "socat.sock");
await using _socat = await startProcessGroup({
  program: "socat",
  args: [`UNIX-LISTEN:${socatPath},fork`, `UNIX-CONNECT:${direct}`],
  ready: () => Deno.stat(socatPath).then(() => true, () => false),
});
const socatTrips: number[] = [];
for (let round = 0; round <= REPEAT; round++) {
  const trip = roundTrips(socatPath);
  if (round > 0) socatTrips.push(trip);
}
const throughSocat = median(socatTrips);
console.log(
  `${"sync via socat".padEnd(20)} ${throughSocat.toFixed(1)} µs: ` +
    "any proxy's extra hop; compare the guard and its loop with it",
);

const refused = [...guarded.ended, ...loopOnly.ended].filter((end) =>
  end.reason !== "client closed the connection"
);
if (refused.length > 0) {
  throw new Error(`the guard ended connections: ${JSON.stringify(refused)}`);
}
