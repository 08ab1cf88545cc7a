import assert from "node:assert/strict";
import { buildProgram, runCli } from "./program.ts";
import { cli } from "./_test_cli.ts";
import type { CliContext } from "./context.ts";
import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import { fakeImage } from "../image/_test_images.ts";
import { setCurrent } from "../image/mod.ts";

/** A context with its state below `root`, collecting stdout only. */
function quietContextIn(
  root: string,
  data: string,
  out: (text: string) => void,
): CliContext {
  return {
    out,
    err: () => {},
    color: false,
    paths: () => ({
      config: `${root}/config`,
      data: `${root}/${data}`,
      runtime: `${root}/run`,
    }),
  };
}

/** Every command path in the tree, e.g. `["kernel", "build"]`. */
function commandPaths(): string[][] {
  const program = buildProgram({
    out: () => {},
    err: () => {},
    color: false,
    paths: () => ({ config: "", data: "", runtime: "" }),
  });
  const paths: string[][] = [];
  const walk = (command: CommandUnknownOpts, prefix: string[]) => {
    for (const child of command.commands) {
      const path = [...prefix, child.name()];
      paths.push(path);
      walk(child, path);
    }
  };
  walk(program, []);
  return paths;
}

const EXPECTED_COMMANDS = [
  "run",
  "ls",
  "stop",
  "logs",
  "build",
  "kernel",
  "kernel build",
  "kernel ls",
  "image",
  "image build",
  "image ls",
  "image gc",
  "recipe",
  "recipe ls",
  "recipe show",
  "recipe check",
  "doctor",
  "proxy",
  "proxy log",
  "relay",
  "relay host",
  "relay viewer",
  "relay local",
  "schedule",
  "schedule enable",
  "schedule disable",
  "schedule status",
  "desktop",
  "desktop install",
  "desktop uninstall",
  "net",
  "net setup",
];

Deno.test("the command tree has every command of the design", () => {
  assert.deepEqual(
    commandPaths().map((path) => path.join(" ")),
    EXPECTED_COMMANDS,
  );
});

for (const path of EXPECTED_COMMANDS) {
  Deno.test(`qubesify ${path} --help describes the command`, async () => {
    const { code, out, err } = await cli([...path.split(" "), "--help"]);
    assert.equal(code, 0);
    assert.equal(err, "");
    assert.match(out, new RegExp(`^Usage: qubesify ${path}\\b`));
    // A description line follows the usage line.
    const description = out.split("\n")[2] ?? "";
    assert.ok(description.length > 10, `no description for ${path}`);
  });
}

Deno.test("top-level help and version exit 0", async () => {
  const help = await cli(["--help"]);
  assert.equal(help.code, 0);
  assert.match(
    help.out,
    /Run desktop applications in disposable QEMU micro VMs/,
  );
  const version = await cli(["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.out, /^\d+\.\d+\.\d+\n$/);
});

Deno.test("usage errors exit 2", async () => {
  for (
    const args of [
      ["frobnicate"],
      ["run"],
      ["kernel"],
      ["kernel", "build", "--bogus"],
      ["run", "firefox", "--vsock", "carrier-pigeon"],
      ["relay", "host"],
      ["recipe", "show"],
    ]
  ) {
    const { code, err } = await cli(args);
    assert.equal(code, 2, args.join(" "));
    assert.notEqual(err, "", args.join(" "));
  }
});

Deno.test("an unknown command suggests the closest one", async () => {
  const { code, err } = await cli(["doctr"]);
  assert.equal(code, 2);
  assert.match(err, /unknown command 'doctr'/);
  assert.match(err, /Did you mean doctor\?/);
});

Deno.test("run refuses what it cannot do, before building anything", async () => {
  const cases: [string[], RegExp][] = [
    [
      ["run", "smoke", "--vsock", "kernel"],
      /--vsock kernel needs \/dev\/vhost-vsock/,
    ],
    [
      ["run", "firefox"],
      /qubesify run: the app shows windows, but WAYLAND_DISPLAY is not set; run qubesify from your Wayland desktop session/,
    ],
  ];
  // As outside a desktop session, even when the tests run inside one.
  const display = Deno.env.get("WAYLAND_DISPLAY");
  Deno.env.delete("WAYLAND_DISPLAY");
  try {
    for (const [args, message] of cases) {
      const { code, err } = await cli(args);
      assert.equal(code, 1, args.join(" "));
      assert.match(err, message);
    }
  } finally {
    if (display !== undefined) Deno.env.set("WAYLAND_DISPLAY", display);
  }
  const unknown = await cli(["run", "nope"]);
  assert.equal(unknown.code, 2);
  assert.match(
    unknown.err,
    /unknown app "nope" \(known apps: dev, firefox, smoke\)/,
  );
});

Deno.test("stop and logs name the VM that is not running", async () => {
  const stop = await cli(["stop", "smoke-1"]);
  assert.equal(stop.code, 1);
  assert.match(stop.err, /no running VM named "smoke-1" \(running: none\)/);
  const logs = await cli(["logs", "smoke-1"]);
  assert.equal(logs.code, 1);
  assert.match(logs.err, /no running VM named "smoke-1"/);
  const bad = await cli(["logs", "../etc"]);
  assert.equal(bad.code, 2);
});

Deno.test("ls with nothing running prints only the header", async () => {
  const { code, out } = await cli(["ls"]);
  assert.equal(code, 0);
  assert.equal(out, "NAME  APP  PID  UPTIME  MEMORY  RESIDENT\n");
  assert.equal((await cli(["ls", "--json"])).out, "[]\n");
});

Deno.test("recipe ls --json lists shipped recipes", async () => {
  const { code, out } = await cli(["recipe", "ls", "--json"]);
  assert.equal(code, 0);
  const recipes = JSON.parse(out) as { kind: string; name: string }[];
  const names = recipes.map((r) => `${r.kind} ${r.name}`).sort();
  assert.deepEqual(names, [
    "app dev",
    "app firefox",
    "app smoke",
    "template desktop",
    "template dev",
    "template smoke",
  ]);
});

Deno.test("recipe show prints the app with defaults and its template", async () => {
  const { code, out } = await cli(["recipe", "show", "smoke", "--json"]);
  assert.equal(code, 0);
  const shown = JSON.parse(out);
  assert.equal(shown.app.memory, "256M");
  assert.equal(shown.app.user, "user");
  assert.equal(shown.template.suite, "trixie");
  const missing = await cli(["recipe", "show", "nope"]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /no app or template named "nope"/);
});

Deno.test("recipe check validates extra files with locations", async () => {
  const file = await Deno.makeTempFile({ suffix: ".yaml" });
  try {
    await Deno.writeTextFile(
      file,
      "kind: app\ntemplate: smoke\ncommand: [sh]\nmemory: lots\n",
    );
    const bad = await cli(["recipe", "check", file]);
    assert.equal(bad.code, 1);
    assert.equal(
      bad.err,
      `${file}:4:9 memory: expected a size like 2G\nqubesify recipe check: 1 problem(s) found\n`,
    );
    await Deno.writeTextFile(
      file,
      "kind: app\ntemplate: smoke\ncommand: [sh]\n",
    );
    const good = await cli(["recipe", "check", file]);
    assert.equal(good.code, 0);
    assert.equal(good.out, "3 templates and 4 apps are valid\n");
    const absent = await cli(["recipe", "check", "/nonexistent/x.yaml"]);
    assert.equal(absent.code, 1);
    assert.match(absent.err, /no such file/);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("no colour unless the context allows it", async () => {
  const plain = await cli(["doctor", "smoke"]);
  assert.equal(plain.out.includes("\x1b["), false);
  const colored = await cli(["doctor", "smoke"], { color: true });
  assert.equal(colored.out.includes("\x1b[32mok"), true);
});

Deno.test("desktop install writes an entry that runs the app; uninstall removes it", async () => {
  const root = await Deno.makeTempDir();
  let out = "";
  const context = quietContextIn(root, "share/qubesify", (text) => out += text);
  try {
    assert.equal(await runCli(["desktop", "install", "firefox"], context), 0);
    const entry = await Deno.readTextFile(
      `${root}/share/applications/qubesify-firefox.desktop`,
    );
    assert.match(entry, /^Exec=.* run firefox$/m);
    assert.match(entry, /^Name=firefox \(disposable VM\)$/m);
    assert.equal(await runCli(["desktop", "install", "nope"], context), 2);
    assert.equal(await runCli(["desktop", "uninstall", "firefox"], context), 0);
    assert.equal(
      await Deno.stat(`${root}/share/applications/qubesify-firefox.desktop`)
        .catch(() => null),
      null,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("image gc keeps the newest, the current one and those in use", async () => {
  const root = await Deno.makeTempDir();
  let out = "";
  const context = quietContextIn(root, "data", (text) => out += text);
  const owner = new Deno.Command("sleep", { args: ["60"] }).spawn();
  try {
    const versions = [
      "20261101T000000Z-aaaaaaaaaaaa",
      "20261108T000000Z-bbbbbbbbbbbb",
      "20261115T000000Z-cccccccccccc",
      "20261122T000000Z-dddddddddddd",
    ];
    const paths = [];
    for (const version of versions) {
      paths.push(await fakeImage(`${root}/data`, "smoke", version));
    }
    await setCurrent(`${root}/data/images/smoke`, versions[1]);
    await Deno.mkdir(`${root}/run/smoke-1`, { recursive: true });
    await Deno.writeTextFile(
      `${root}/run/smoke-1/vm.json`,
      JSON.stringify({
        name: "smoke-1",
        app: "smoke",
        image: paths[0],
        pid: owner.pid,
        ownerPid: owner.pid,
        memoryBytes: 1,
        startedAt: new Date().toISOString(),
      }),
    );
    assert.equal(await runCli(["image", "gc", "--keep", "1"], context), 0);
    assert.equal(out, `removed ${paths[2]}\n1 removed, 3 kept\n`);
    assert.equal(await runCli(["image", "gc", "--keep", "-1"], context), 2);
  } finally {
    owner.kill();
    await owner.status;
    await Deno.remove(root, { recursive: true });
  }
});
