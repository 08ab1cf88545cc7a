import assert from "node:assert/strict";
import {
  closeAfter,
  echo,
  readAll,
  serveUnix,
  tempDir,
  waitFor,
  writeAll,
} from "./_test_sockets.ts";
import { encodeForwardHeader } from "./header.ts";
import { vsockPortTaken } from "./local_dispatcher.ts";
import { vmServicePorts } from "../guest/mod.ts";
import { runQubesify, startQubesify } from "../../tests/cli.ts";

/** `qubesify relay ...` as users run it, under the orchestrator's permissions. */
function spawnRelay(
  args: string[],
  env: Record<string, string> = {},
): Deno.ChildProcess {
  return startQubesify(["relay", ...args], { env: { NO_COLOR: "1", ...env } });
}

/** Collects a stream's text while the process runs. */
function collect(stream: ReadableStream<Uint8Array>): { text: string } {
  const sink = { text: "" };
  stream.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (sink.text += chunk) }),
  );
  return sink;
}

Deno.test("relay viewer CLI: relays a forwarded connection by the policy file, logs, stops on SIGTERM", async () => {
  await using dir = await tempDir();
  await using wayland = serveUnix(dir.join("wayland"), echo);
  const policy = dir.join("policy.yaml");
  await Deno.writeTextFile(
    policy,
    `vms:\n  - name: work\n    cid: 5\n    services:\n      wayland: ${wayland.path}\n`,
  );
  const child = spawnRelay([
    "viewer",
    "--policy",
    policy,
    "--unix",
    dir.join("viewer.sock"),
  ]);
  const out = collect(child.stdout);
  const err = collect(child.stderr);
  try {
    await waitFor(() => err.text.includes("Ctrl-C stops"), "the relay", 20_000);
    const conn = await Deno.connect({
      transport: "unix",
      path: dir.join("viewer.sock"),
    });
    using _deadline = closeAfter(conn, 10_000);
    await writeAll(conn, encodeForwardHeader({ cid: 5, port: 7000 }));
    await writeAll(conn, new TextEncoder().encode("through the CLI"));
    await conn.closeWrite();
    assert.equal(
      new TextDecoder().decode(await readAll(conn)),
      "through the CLI",
    );
    conn.close();
    await waitFor(() => out.text.includes(`"event":"end"`), "the end line");
  } finally {
    child.kill("SIGTERM");
  }
  const status = await child.status;
  assert.equal(status.code, 0, err.text);
  const lines = out.text.trim().split("\n").map((line) => JSON.parse(line));
  assert.deepEqual(
    lines.map((l) => [l.event, l.decision, l.cid, l.vm, l.service, l.bytesUp]),
    [
      ["decision", "allow", 5, "work", "wayland", undefined],
      ["end", undefined, undefined, undefined, undefined, 15],
    ],
  );
  assert.match(err.text, /qubesify relay viewer: stopped\n$/);
  await assert.rejects(
    () => Deno.stat(dir.join("viewer.sock")),
    Deno.errors.NotFound,
  );
});

Deno.test("relay host CLI: listens on the vsock service ports and the named VMs' blocks, stops on SIGTERM", async () => {
  const vmCid = 600_000_000 + Math.floor(Math.random() * 100_000_000);
  const block = Object.values(vmServicePorts(vmCid));
  const child = spawnRelay([
    "host",
    "--viewer-cid",
    "3",
    "--vm-cid",
    String(vmCid),
  ]);
  const err = collect(child.stderr);
  const out = collect(child.stdout);
  try {
    await waitFor(
      () => /Ctrl-C stops|relay host: /.test(err.text),
      "the forwarder",
      20_000,
    );
    for (const port of block) assert.equal(vsockPortTaken(port), true);
  } finally {
    child.kill("SIGTERM");
  }
  const status = await child.status;
  assert.equal(status.code, 0, err.text);
  assert.ok(
    err.text.includes(
      `forwarding vsock ports 7000, 7001, 7002, 7003, ${
        block.join(", ")
      } to vsock:3:7100`,
    ),
    err.text,
  );
  assert.equal(out.text, "");
  for (const port of block) assert.equal(vsockPortTaken(port), false);
});

Deno.test("relay local CLI: holds the vsock service ports while a VM lives, ends after it", async () => {
  await using dir = await tempDir();
  const runtime = dir.join("runtime");
  await Deno.mkdir(`${runtime}/app-1`, { recursive: true });
  const qemu = new Deno.Command("sleep", { args: ["60"] }).spawn();
  let local: Deno.ChildProcess | undefined;
  try {
    await Deno.writeTextFile(
      `${runtime}/app-1/vm.json`,
      JSON.stringify({
        name: "app-1",
        app: "app",
        image: "/x.img",
        pid: qemu.pid,
        ownerPid: qemu.pid,
        memoryBytes: 1,
        cid: 3,
        services: {},
        startedAt: new Date().toISOString(),
      }),
    );
    local = spawnRelay(["local", "--log", dir.join("local.jsonl")], {
      QUBESIFY_RUNTIME_DIR: runtime,
    });
    const err = collect(local.stderr);
    // While it serves, the ports are taken.
    await waitFor(() => vsockPortTaken(7000), "relay local to bind", 30_000);
    for (const port of [7001, 7002, 7003]) {
      assert.equal(vsockPortTaken(port), true);
    }
    qemu.kill("SIGKILL");
    await qemu.status;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const status = await Promise.race([
      local.status,
      new Promise<undefined>((resolve) =>
        timer = setTimeout(() => resolve(undefined), 15_000)
      ),
    ]);
    clearTimeout(timer);
    assert.equal(status?.code, 0, `relay local ended by itself: ${err.text}`);
  } finally {
    try {
      qemu.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    await qemu.status;
    try {
      local?.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    await local?.status;
  }
});

Deno.test("relay CLI: bad options and a bad policy say what to fix", async () => {
  await using dir = await tempDir();
  const policy = dir.join("policy.yaml");
  await Deno.writeTextFile(
    policy,
    "vms:\n  - name: w\n    cid: 1\n    services: {}\n",
  );
  const cases: [string[], number, RegExp][] = [
    [["host", "--viewer-cid", "2"], 2, /--viewer-cid must be a number from 3/],
    [["host", "--viewer-cid", "x"], 2, /got "x"/],
    [
      ["host", "--viewer-cid", "3", "--vm-cid", "2"],
      2,
      /--vm-cid must be a number from 3 to 1000000000, got "2"/,
    ],
    [
      ["viewer", "--policy", policy],
      1,
      /policy\.yaml: vms\[0\]\.cid: must be a guest CID/,
    ],
    [
      ["viewer", "--policy", dir.join("none.yaml")],
      1,
      /none\.yaml: no such policy file/,
    ],
  ];
  for (const [args, code, message] of cases) {
    const { code: actual, stderr: text } = await runQubesify([
      "relay",
      ...args,
    ]);
    assert.equal(actual, code, `${args.join(" ")}: ${text}`);
    assert.match(text, message);
  }
});
