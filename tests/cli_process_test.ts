/**
 * The CLI as a real process under the orchestrator's permission set, so a
 * permission the code needs but deno.json lacks fails here.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

async function qubesify(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=qubesify", "--quiet", "main.ts", ...args],
    cwd: ROOT,
    env,
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

Deno.test("recipe check passes with the shipped recipes", async () => {
  const config = await Deno.makeTempDir();
  try {
    const result = await qubesify(["recipe", "check"], {
      QUBESIFY_CONFIG_DIR: config,
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
    const shown = await qubesify(["recipe", "show", "smoke", "--json"], {
      QUBESIFY_CONFIG_DIR: config,
    });
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(JSON.parse(shown.stdout).app.memory, "512M");
    await Deno.writeTextFile(
      `${config}/recipes/broken.yaml`,
      "kind: app\ntemplate: smoke\ncommand: [sh]\ncpus: many\n",
    );
    const checked = await qubesify(["recipe", "check"], {
      QUBESIFY_CONFIG_DIR: config,
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
  const result = await qubesify(["doctor", "smoke", "--json"]);
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.equal(report.app, "smoke");
  assert.equal(report.ok, true);
  // A permission gap shows up as Deno's own words in a detail.
  assert.doesNotMatch(result.stdout, /Requires .* access/);
});

Deno.test("doctor exits 1 when the app's needs are missing", async () => {
  const result = await qubesify(["doctor", "firefox"], {
    XDG_RUNTIME_DIR: "/nonexistent",
    PATH: Deno.env.get("PATH") ?? "",
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

Deno.test("unknown commands exit 2, missing features exit 1", async () => {
  assert.equal((await qubesify(["frobnicate"])).code, 2);
  const proxy = await qubesify(["proxy"]);
  assert.equal(proxy.code, 1);
  assert.equal(
    proxy.stderr,
    "qubesify proxy: not available in this version of qubesify yet\n",
  );
});
