/**
 * Benchmark: how much one VM's burst of connections slows another VM's
 * connections through the shared local dispatcher (issue 13, finding 2).
 *
 * The dispatcher runs in its own process, as `qubesify relay local` does,
 * on a runtime registry of three VMs ("noisy" CID 5, "quiet" CID 6 and a
 * third that only makes the registry longer), each with an echo service
 * and a UNIX stand-in for its vsock port. A round trip is: connect
 * through the stand-in, send 64 bytes, read them back. "idle" is the
 * quiet VM's round trip alone; "burst" is the same round trip started as
 * the noisy VM opens `--burst` connections at once (held open until the
 * round trip is done). Each is repeated `--repeat` times; medians are
 * reported, and the ratio burst/idle.
 *
 * `--per-cid` sets the dispatcher's cap per VM (default: its own, 64), to
 * tell the caps' share from the rest.
 *
 * Usage (from the repository root):
 *   deno run -A bench/dispatcher_burst.ts [--burst 400] [--repeat 5]
 *     [--per-cid 64]
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { registryAccessSource, startDispatcher } from "../lib/relay/mod.ts";
import { type VmRecord, vmRecordPath } from "../lib/state/mod.ts";
import { median, positive } from "./bench_args.ts";

const { values } = parseArgs({
  options: {
    burst: { type: "string", default: "400" },
    repeat: { type: "string", default: "5" },
    "per-cid": { type: "string" },
    serve: { type: "string" },
  },
});

const NOISY = 5;
const QUIET = 6;
const PORT = 7000;
const standIn = (dir: string, cid: number) => join(dir, `vsock-${cid}.sock`);

/** The child: a dispatcher on the registry in `dir`, until stdin closes. */
async function serve(dir: string, perCid?: number): Promise<void> {
  await using _dispatcher = await startDispatcher({
    listeners: [NOISY, QUIET].map((cid) => ({
      unixPath: standIn(dir, cid),
      peerCid: cid,
      port: PORT,
    })),
    vms: registryAccessSource(join(dir, "runtime")),
    limits: { perCid },
  });
  console.log("ready");
  for await (const _ of Deno.stdin.readable) {
    // Runs until the parent closes stdin.
  }
}

async function writeRecords(dir: string): Promise<void> {
  for (
    const [name, cid] of [["noisy", NOISY], ["quiet", QUIET], [
      "third",
      7,
    ]] as const
  ) {
    const record: VmRecord = {
      name,
      app: name,
      image: "bench",
      pid: Deno.pid,
      ownerPid: Deno.pid,
      memoryBytes: 1,
      cid,
      services: { wayland: join(dir, `echo-${name}.sock`) },
      startedAt: new Date().toISOString(),
    };
    await Deno.mkdir(join(dir, "runtime", name), { recursive: true });
    await Deno.writeTextFile(
      vmRecordPath(join(dir, "runtime"), name),
      JSON.stringify(record),
    );
  }
}

function echoServer(path: string): Deno.Listener {
  const listener = Deno.listen({ transport: "unix", path });
  (async () => {
    for await (const conn of listener) {
      (async () => {
        const buffer = new Uint8Array(4096);
        try {
          while (true) {
            const count = await conn.read(buffer);
            if (count === null) break;
            await conn.write(buffer.subarray(0, count));
          }
        } catch {
          // A refused or reset connection: nothing to echo.
        } finally {
          conn.close();
        }
      })();
    }
  })().catch(() => {});
  return listener;
}

/** Milliseconds from connect to the 64 bytes coming back. */
async function roundTrip(path: string): Promise<number> {
  const start = performance.now();
  const conn = await Deno.connect({ transport: "unix", path });
  try {
    await conn.write(new Uint8Array(64).fill(7));
    const buffer = new Uint8Array(64);
    let received = 0;
    while (received < 64) {
      const count = await conn.read(buffer.subarray(received));
      if (count === null) throw new Error("the quiet VM was refused");
      received += count;
    }
    return performance.now() - start;
  } finally {
    conn.close();
  }
}

/** The quiet round trip during a burst, and how many of the burst connected. */
async function burstRoundTrip(
  dir: string,
  burst: number,
): Promise<{ ms: number; connected: number }> {
  const noisy = Array.from(
    { length: burst },
    () =>
      // A full listen backlog refuses at once (EAGAIN): those don't retry.
      Deno.connect({ transport: "unix", path: standIn(dir, NOISY) }).catch(
        () => undefined,
      ),
  );
  const ms = await roundTrip(standIn(dir, QUIET));
  const conns = await Promise.all(noisy);
  for (const conn of conns) conn?.close();
  return { ms, connected: conns.filter(Boolean).length };
}

async function main(): Promise<void> {
  const burst = positive("burst", values.burst);
  const repeat = positive("repeat", values.repeat);
  const dir = await Deno.makeTempDir({ prefix: "qubesify-burst-bench-" });
  const listeners = ["noisy", "quiet", "third"].map((name) =>
    echoServer(join(dir, `echo-${name}.sock`))
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL(import.meta.url).pathname,
      "--serve",
      dir,
      ...(values["per-cid"] ? ["--per-cid", values["per-cid"]] : []),
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    await writeRecords(dir);
    const reader = child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    const { value } = await reader.read();
    if (!value?.includes("ready")) throw new Error("the dispatcher failed");
    await roundTrip(standIn(dir, QUIET));
    const idle: number[] = [];
    const during: number[] = [];
    const connected: number[] = [];
    for (let round = 0; round < repeat; round++) {
      idle.push(await roundTrip(standIn(dir, QUIET)));
      const round = await burstRoundTrip(dir, burst);
      during.push(round.ms);
      connected.push(round.connected);
      // Let the burst's connections end before the next idle round.
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const [a, b] = [median(idle), median(during)];
    console.log(
      `quiet VM round trip, median of ${repeat}: idle ${a.toFixed(1)} ms, ` +
        `during a burst of ${burst} from another VM ${b.toFixed(1)} ms, ` +
        `burst/idle ${(b / a).toFixed(1)} ` +
        `(${median(connected)} of the burst connected, median)`,
    );
    reader.releaseLock();
  } finally {
    await child.stdin.close();
    await child.status;
    for (const listener of listeners) listener.close();
    await Deno.remove(dir, { recursive: true });
  }
}

if (values.serve) {
  await serve(
    values.serve,
    values["per-cid"] ? positive("per-cid", values["per-cid"]) : undefined,
  );
} else await main();
