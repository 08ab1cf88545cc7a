/**
 * Benchmark: the relay's throughput and added latency over UNIX sockets,
 * side by side in one run with socat and with a minimal C splice relay
 * (bench/relay_reference.c, compiled here with gcc: the physical
 * reference), reported as ratios.
 *
 * - Throughput: a C source sends `--mib` MiB through each relay to a C
 *   sink, which answers the byte count after end of file; the time is
 *   from connect to that answer.
 * - Latency: `--rounds` round trips of `--size` bytes through each relay
 *   to a C echo server; "added" is the mean round trip minus the direct
 *   one (no relay).
 *
 * Each measurement is repeated `--repeat` times, variants interleaved so
 * drift in the machine's load hits all alike; medians are reported.
 *
 * Usage (from the repository root):
 *   deno run -A bench/relay_bench.ts [--mib 1024] [--rounds 5000] [--size 64]
 *     [--repeat 5] [--pipe-kib 256]
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startDispatcher, staticAccessSource } from "../lib/relay/mod.ts";
import { mustRun } from "../tests/must_run.ts";
import { median, positive } from "./bench_args.ts";

const { values } = parseArgs({
  options: {
    mib: { type: "string", default: "1024" },
    "pipe-kib": { type: "string", default: "256" },
    rounds: { type: "string", default: "5000" },
    size: { type: "string", default: "64" },
    repeat: { type: "string", default: "5" },
  },
});

const MIB = positive("mib", values.mib);
const ROUNDS = positive("rounds", values.rounds);
const SIZE = positive("size", values.size);
const REPEAT = positive("repeat", values.repeat);
const PIPE_KIB = positive("pipe-kib", values["pipe-kib"]);
const SOURCE = new URL("./relay_reference.c", import.meta.url).pathname;

type Variant = "direct" | "qubesify" | "socat" | "c-splice";
const RELAYS: Variant[] = ["qubesify", "socat", "c-splice"];

/** Waits for a server's socket file (connecting would disturb it). */
async function waitForSocket(path: string): Promise<void> {
  for (let tries = 0; tries < 500; tries++) {
    const info = await Deno.stat(path).catch(() => undefined);
    if (info?.isSocket) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`nothing listens on ${path}`);
}

const dir = await Deno.makeTempDir({ prefix: "qubesify-relay-bench-" });
const children: Deno.ChildProcess[] = [];
const at = (name: string) => join(dir, name);
const spawn = (program: string, args: string[]) => {
  children.push(
    new Deno.Command(program, { args, stdout: "null", stderr: "inherit" })
      .spawn(),
  );
};
try {
  const tool = at("relay_reference");
  await mustRun("gcc", ["-O2", "-pthread", "-o", tool, SOURCE]);
  spawn(tool, ["sink", at("sink")]);
  spawn(tool, ["echo", at("echo")]);
  spawn(tool, ["relay", at("c-splice-sink"), at("sink")]);
  spawn(tool, ["relay", at("c-splice-echo"), at("echo")]);
  for (const [name, upstream] of [["sink", "sink"], ["echo", "echo"]]) {
    spawn("socat", [
      `UNIX-LISTEN:${at(`socat-${name}`)},fork`,
      `UNIX-CONNECT:${at(upstream)}`,
    ]);
  }
  await using _dispatcher = await startDispatcher({
    listeners: [
      { unixPath: at("qubesify-sink"), peerCid: 5, port: 7000 },
      { unixPath: at("qubesify-echo"), peerCid: 5, port: 7001 },
    ],
    vms: staticAccessSource([
      {
        name: "bench",
        cid: 5,
        services: { wayland: at("sink"), audio: at("echo") },
      },
    ]),
    pipeSize: PIPE_KIB * 1024,
  });
  const path = (variant: Variant, server: "sink" | "echo") =>
    variant === "direct" ? at(server) : at(`${variant}-${server}`);
  for (const variant of ["direct", ...RELAYS] as Variant[]) {
    await waitForSocket(path(variant, "sink"));
    await waitForSocket(path(variant, "echo"));
  }

  const seconds = new Map<Variant, number[]>();
  const rtt = new Map<Variant, number[]>();
  const bytes = MIB * 1024 * 1024;
  for (let round = 0; round < REPEAT; round++) {
    for (const variant of ["direct", ...RELAYS] as Variant[]) {
      const elapsed = Number(
        await mustRun(tool, ["source", path(variant, "sink"), String(bytes)]),
      );
      seconds.set(variant, [...seconds.get(variant) ?? [], elapsed]);
      const micros = Number(
        await mustRun(tool, [
          "pingpong",
          path(variant, "echo"),
          String(ROUNDS),
          String(SIZE),
        ]),
      );
      rtt.set(variant, [...rtt.get(variant) ?? [], micros]);
    }
  }

  const throughput = (variant: Variant) => MIB / median(seconds.get(variant)!);
  const latency = (variant: Variant) => median(rtt.get(variant)!);
  const added = (variant: Variant) => latency(variant) - latency("direct");
  console.log(
    `relay over UNIX sockets: ${MIB} MiB per transfer, ${ROUNDS} round trips of ${SIZE} B, median of ${REPEAT}`,
  );
  console.log(
    `${"variant".padEnd(10)} ${"MiB/s".padStart(9)} ${"RTT µs".padStart(9)} ${
      "added µs".padStart(9)
    }`,
  );
  for (const variant of ["direct", ...RELAYS] as Variant[]) {
    console.log(
      `${variant.padEnd(10)} ${throughput(variant).toFixed(0).padStart(9)} ${
        latency(variant).toFixed(1).padStart(9)
      } ${(variant === "direct" ? "" : added(variant).toFixed(1)).padStart(9)}`,
    );
  }
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  console.log(
    `throughput qubesify/c-splice ${
      ratio(throughput("qubesify"), throughput("c-splice"))
    }, qubesify/socat ${ratio(throughput("qubesify"), throughput("socat"))}`,
  );
  console.log(
    `added latency qubesify/c-splice ${
      ratio(added("qubesify"), added("c-splice"))
    }, qubesify/socat ${ratio(added("qubesify"), added("socat"))}`,
  );
} finally {
  for (const child of children) {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already exited.
    }
  }
  await Promise.all(children.map((child) => child.status));
  await Deno.remove(dir, { recursive: true });
}
