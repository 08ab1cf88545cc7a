/**
 * The CLI as a real process under the orchestrator's permission set, so a
 * permission the code needs but deno.json lacks fails here.
 */
import assert from "node:assert/strict";
import { runQubesify } from "./cli.ts";
import { writeVmRecords } from "./desktop/mod.ts";

Deno.test("recipe check passes with the shipped recipes", async () => {
  const config = await Deno.makeTempDir();
  try {
    const result = await runQubesify(["recipe", "check"], {
      env: { QUBESIFY_CONFIG_DIR: config },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "3 templates and 3 apps are valid\n");
  } finally {
    await Deno.remove(config, { recursive: true });
  }
});

Deno.test("user recipes override shipped ones and errors name the file", async () => {
  const config = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${config}/recipes`);
    await Deno.writeTextFile(
      `${config}/recipes/smoke.yaml`,
      "kind: app\ntemplate: smoke\ncommand: [sh]\nmemory: 512M\n",
    );
    const shown = await runQubesify(["recipe", "show", "smoke", "--json"], {
      env: { QUBESIFY_CONFIG_DIR: config },
    });
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(JSON.parse(shown.stdout).app.memory, "512M");
    await Deno.writeTextFile(
      `${config}/recipes/broken.yaml`,
      "kind: app\ntemplate: smoke\ncommand: [sh]\ncpus: many\n",
    );
    const checked = await runQubesify(["recipe", "check"], {
      env: { QUBESIFY_CONFIG_DIR: config },
    });
    assert.equal(checked.code, 1);
    assert.match(
      checked.stderr,
      new RegExp(
        `^${config}/recipes/broken\\.yaml:4:7 cpus: expected a number of CPUs$`,
        "m",
      ),
    );
  } finally {
    await Deno.remove(config, { recursive: true });
  }
});

Deno.test("doctor --json runs with the orchestrator's permissions", async () => {
  const result = await runQubesify(["doctor", "smoke", "--json"]);
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.equal(report.app, "smoke");
  assert.equal(report.ok, true);
  // A permission gap shows up as Deno's own words in a detail.
  assert.doesNotMatch(result.stdout, /Requires .* access/);
});

Deno.test("doctor exits 1 when the app's needs are missing", async () => {
  const result = await runQubesify(["doctor", "firefox"], {
    env: { XDG_RUNTIME_DIR: "/nonexistent", PATH: Deno.env.get("PATH") ?? "" },
  });
  assert.equal(result.code, 1);
  assert.match(result.stdout, /FAIL {2}Wayland session/);
  assert.match(
    result.stderr,
    /firefox cannot run until the failed checks are fixed/,
  );
  assert.equal(
    result.stdout.includes("\x1b["),
    false,
    "no colour when not a TTY",
  );
});

Deno.test("unknown commands and missing options exit 2 with what to do", async () => {
  assert.equal((await runQubesify(["frobnicate"])).code, 2);
  const proxy = await runQubesify(["proxy"]);
  assert.equal(proxy.code, 2);
  assert.match(proxy.stderr, /qubesify proxy: pass --policy FILE/);
});

Deno.test("ls and stop see and stop a VM owner under the permission set", async () => {
  const runtime = await Deno.makeTempDir();
  // A stand-in for a `qubesify run` owning a VM: any live process works.
  const owner = new Deno.Command("sleep", { args: ["60"] }).spawn();
  try {
    await writeVmRecords(runtime, [
      {
        name: "smoke-1",
        cid: 3,
        services: {},
        pid: owner.pid,
        ownerPid: owner.pid,
      },
    ]);
    const env = { QUBESIFY_RUNTIME_DIR: runtime };
    const listed = await runQubesify(["ls", "--json"], { env });
    assert.equal(listed.code, 0, listed.stderr);
    const [vm] = JSON.parse(listed.stdout);
    assert.equal(vm.name, "smoke-1");
    assert.ok(vm.residentBytes > 0, "resident memory comes from /proc");
    const stopped = await runQubesify(["stop", "smoke-1"], { env });
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.equal(stopped.stdout, "stopped smoke-1\n");
    assert.equal((await owner.status).signal, "SIGTERM");
    // With its processes gone, the next ls removes the folder.
    assert.equal(
      JSON.parse((await runQubesify(["ls", "--json"], { env })).stdout).length,
      0,
    );
    assert.deepEqual([...Deno.readDirSync(runtime)], []);
  } finally {
    try {
      owner.kill();
    } catch {
      // Already stopped by the test.
    }
    await owner.status;
    await Deno.remove(runtime, { recursive: true });
  }
});
