/**
 * The permission fence from outside: a process started as qubesify starts
 * (deno.json's `qubesify` set as the ceiling), with a home of its own,
 * runs a probe inside the fence computed for a command and reports what it
 * could do; and real commands still work inside theirs.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { qubesifyArgv } from "./cli.ts";
import type { ProbeReport } from "./permission_fence_probe_worker.ts";

const PROBE = fileURLToPath(
  new URL("./permission_fence_probe.ts", import.meta.url),
);

/** A home with a `.bashrc` and an SSH key, and runtime and temp folders beside it. */
interface Sandbox extends AsyncDisposable {
  home: string;
  env: Record<string, string>;
}

/** Deno's cache, which a new HOME would otherwise move (and refill from the network). */
async function denoDir(): Promise<string> {
  const info = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
    stderr: "null",
  }).output();
  return JSON.parse(new TextDecoder().decode(info.stdout)).denoDir;
}

async function sandbox(): Promise<Sandbox> {
  const root = await Deno.makeTempDir({ prefix: "qubesify-fence-test-" });
  const home = join(root, "home");
  await Deno.mkdir(join(home, ".ssh"), { recursive: true });
  await Deno.writeTextFile(join(home, ".bashrc"), "# mine\n");
  await Deno.writeTextFile(join(home, ".ssh", "id_ed25519"), "secret\n");
  await Deno.mkdir(join(root, "run"));
  await Deno.mkdir(join(root, "tmp"));
  return {
    home,
    env: {
      HOME: home,
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      XDG_RUNTIME_DIR: join(root, "run"),
      // Not /tmp, which holds the home: temp files may go anywhere in it.
      TMPDIR: join(root, "tmp"),
      DENO_DIR: await denoDir(),
    },
    [Symbol.asyncDispose]: () => Deno.remove(root, { recursive: true }),
  };
}

/** The whole argv of the probe: qubesify's own, with the probe as main module. */
function probeArgv(args: readonly string[]): string[] {
  const argv = qubesifyArgv(args);
  const main = argv.findIndex((word) => word.endsWith("/main.ts"));
  assert.ok(main > 0, `no main.ts in ${argv.join(" ")}`);
  return argv.with(main, PROBE);
}

async function runIn(
  box: Sandbox,
  argv: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const [program, ...args] = argv;
  const output = await new Deno.Command(program, {
    args,
    env: box.env,
    clearEnv: true,
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

async function probe(box: Sandbox, args: string[]): Promise<ProbeReport> {
  const result = await runIn(box, probeArgv(args));
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

async function assertHomeUntouched(box: Sandbox): Promise<void> {
  assert.equal(
    await Deno.readTextFile(join(box.home, ".bashrc")),
    "# mine\n",
  );
  await assert.rejects(
    Deno.stat(join(box.home, ".ssh", "authorized_keys")),
    Deno.errors.NotFound,
  );
}

for (
  const args of [
    ["build", "smoke"],
    ["run", "smoke"],
    ["run", "--no-build", "smoke", "--", "3"],
  ]
) {
  Deno.test(`fence: inside \`${args.join(" ")}\`, ~/.bashrc and ~/.ssh are out of reach`, async () => {
    await using box = await sandbox();
    const report = await probe(box, args);
    assert.deepEqual(report, {
      "write ~/.bashrc": "refused",
      "write ~/.ssh/authorized_keys": "refused",
      "read ~/.ssh/id_ed25519": "refused",
      "write config": "ok",
      "write data": "ok",
      "write runtime": "ok",
      "run sh": "refused",
      "run qemu": "ok",
      "ffi libc": "ok",
    });
    await assertHomeUntouched(box);
  });
}

Deno.test("fence: recipe ls writes nothing, starts nothing, calls no libc", async () => {
  await using box = await sandbox();
  const report = await probe(box, ["recipe", "ls"]);
  assert.deepEqual(report, {
    "write ~/.bashrc": "refused",
    "write ~/.ssh/authorized_keys": "refused",
    "read ~/.ssh/id_ed25519": "refused",
    "write config": "refused",
    "write data": "refused",
    "write runtime": "refused",
    "run sh": "refused",
    "run qemu": "refused",
    "ffi libc": "refused",
  });
  await assertHomeUntouched(box);
});

Deno.test("fence: real commands work inside theirs, writing only where they should", async () => {
  await using box = await sandbox();
  const check = await runIn(box, qubesifyArgv(["recipe", "check"]));
  assert.equal(check.code, 0, check.stderr);
  const kernels = await runIn(box, qubesifyArgv(["kernel", "ls", "--json"]));
  assert.equal(kernels.code, 0, kernels.stderr);
  assert.deepEqual(JSON.parse(kernels.stdout), []);
  // desktop install writes beside qubesify's data folder, by design.
  const installed = await runIn(
    box,
    qubesifyArgv(["desktop", "install", "smoke"]),
  );
  assert.equal(installed.code, 0, installed.stderr);
  const entry = installed.stdout.trim();
  assert.equal(dirname(entry), join(box.home, ".local/share/applications"));
  assert.match(await Deno.readTextFile(entry), /^Exec=.* run smoke/m);
  // The default TAP owner comes from SUDO_USER or USER, which it may read.
  const net = await runIn(box, qubesifyArgv(["net", "setup"]));
  assert.equal(net.code, 0, net.stderr);
  assert.match(net.stdout, /^sudo ip link add /m);
  const help = await runIn(box, qubesifyArgv(["build", "--help"]));
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^Usage: qubesify build/);
  await assertHomeUntouched(box);
});
