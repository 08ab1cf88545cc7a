import assert from "node:assert/strict";
import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import {
  type FenceHost,
  fencePermissions,
  type FenceRequest,
} from "./fence.ts";
import { COMMAND_NEEDS } from "./fence_commands.ts";
import { buildProgram } from "./program.ts";
import { NO_STATE } from "./_test_cli.ts";

/** A user `/h/alice` with XDG defaults and one PATH folder in the home. */
const HOST: FenceHost = {
  paths: {
    config: "/h/alice/.config/qubesify",
    data: "/h/alice/.local/share/qubesify",
    runtime: "/run/user/1000/qubesify",
  },
  env: {
    HOME: "/h/alice",
    PATH: "/h/alice/bin:/usr/bin:relative",
    XDG_RUNTIME_DIR: "/run/user/1000",
  },
  cwd: "/h/alice/work",
  programRoot: "/opt/qubesify",
  homeAncestors: new Map([
    ["/", ["usr", "h", "run", "tmp", "etc"]],
    ["/h", ["alice", "bob"]],
  ]),
};

function request(
  command: string,
  options: Record<string, unknown> = {},
  operands: string[] = [],
): FenceRequest {
  return { command, options, operands };
}

function fence(
  command: string,
  options: Record<string, unknown> = {},
  operands: string[] = [],
  host: FenceHost = HOST,
) {
  return fencePermissions(request(command, options, operands), host);
}

const STATE_AND_TEMP = [
  "/h/alice/.config/qubesify",
  "/h/alice/.local/share/qubesify",
  "/run/user/1000/qubesify",
  "/tmp",
];

Deno.test("fence: every command of the tree has a line, and every line a command", () => {
  const program = buildProgram({
    out: () => {},
    err: () => {},
    color: false,
    paths: () => NO_STATE,
  });
  const leaves: string[] = [];
  const walk = (command: CommandUnknownOpts, prefix: string[]) => {
    for (const child of command.commands) {
      const path = [...prefix, child.name()];
      // `proxy` runs itself and has `proxy log` below it.
      if (!child.commands.length || path.join(" ") === "proxy") {
        leaves.push(path.join(" "));
      }
      walk(child, path);
    }
  };
  walk(program, []);
  assert.deepEqual(leaves.sort(), Object.keys(COMMAND_NEEDS).sort());
});

/** deno.json's `qubesify` permission set: the ceiling every fence lies within. */
function ceiling(): Record<string, unknown> {
  const text = Deno.readTextFileSync(
    new URL("../../deno.json", import.meta.url),
  );
  // deno.json is JSONC; its comments take whole lines.
  const json = JSON.parse(text.replace(/^\s*\/\/.*$/gm, ""));
  return json.permissions.qubesify;
}

Deno.test("fence: every program and variable a command may use is in deno.json's ceiling", () => {
  const { run, env, sys } = ceiling() as Record<string, string[]>;
  const used = new Set<string>();
  for (const command of Object.keys(COMMAND_NEEDS)) {
    const permissions = fence(command, { build: true, apply: true });
    for (const program of (permissions.run || []) as string[]) {
      assert.ok(run.includes(program), `${command}: ${program}`);
      used.add(program);
    }
    for (const variable of permissions.env as string[]) {
      assert.ok(env.includes(variable), `${command}: ${variable}`);
    }
    for (const kind of permissions.sys as string[]) {
      assert.ok(sys.includes(kind), `${command}: ${kind}`);
    }
  }
  assert.deepEqual(
    [...used].sort(),
    [...run].sort(),
    "no program in the ceiling goes unused",
  );
});

Deno.test("fence: run writes qubesify's folders, temp and the pulse socket, nothing else", () => {
  const permissions = fence("run", { build: true }, ["smoke"]);
  assert.deepEqual(permissions.write, [
    ...STATE_AND_TEMP,
    "/run/user/1000/pulse/native",
  ]);
  assert.equal(permissions.net, true);
  assert.ok(Array.isArray(permissions.ffi) && permissions.ffi.length > 0);
  const run = permissions.run as string[];
  for (const program of ["qemu-system-x86_64", "waypipe", "kill"]) {
    assert.ok(run.includes(program), program);
  }
  // A missing image is built: the builders are allowed.
  assert.ok(run.includes("mmdebstrap"));
  // Nothing that runs anything it is told: no shell, not Deno itself.
  for (const program of ["sh", "bash", "deno"]) {
    assert.ok(!run.includes(program), program);
  }
});

Deno.test("fence: run --no-build may not start the builders", () => {
  const run = fence("run", { build: false }).run as string[];
  assert.ok(run.includes("qemu-system-x86_64"));
  for (const builder of ["mmdebstrap", "make", "resize2fs"]) {
    assert.ok(!run.includes(builder), builder);
  }
});

Deno.test("fence: build writes qubesify's folders and temp, runs the builders", () => {
  const permissions = fence("build");
  assert.deepEqual(permissions.write, STATE_AND_TEMP);
  assert.deepEqual(permissions.run, [
    "cat",
    "e2fsck",
    "kill",
    "make",
    "mke2fs",
    "mmdebstrap",
    "qemu-system-x86_64",
    "resize2fs",
    "tar",
  ]);
});

Deno.test("fence: recipe ls, show and logs write nothing, run nothing, no ffi, no net", () => {
  for (const command of ["recipe ls", "recipe show", "logs", "kernel ls"]) {
    const permissions = fence(command);
    assert.equal(permissions.write, false, command);
    assert.equal(permissions.run, false, command);
    assert.equal(permissions.ffi, false, command);
    assert.equal(permissions.net, false, command);
  }
});

Deno.test("fence: no command (help, usage errors) only reads", () => {
  const permissions = fence("");
  assert.equal(permissions.write, false);
  assert.equal(permissions.run, false);
  assert.equal(permissions.ffi, false);
  assert.equal(permissions.net, false);
});

Deno.test("fence: read is everything but the home, and qubesify's folders in it", () => {
  const read = fence("run", { build: false }).read as string[];
  for (const granted of ["/usr", "/run", "/tmp", "/etc", "/h/bob"]) {
    assert.ok(read.includes(granted), granted);
  }
  assert.ok(!read.includes("/h") && !read.includes("/h/alice"));
  assert.ok(!read.some((path) => path.startsWith("/h/alice/.ssh")));
  for (const inside of [...STATE_AND_TEMP, "/opt/qubesify", "/h/alice/bin"]) {
    assert.ok(read.includes(inside), inside);
  }
  assert.ok(!read.includes("relative"), "relative PATH entries grant nothing");
});

Deno.test("fence: a folder on the way to HOME that could not be listed grants nothing", () => {
  const read = fence("recipe ls", {}, [], {
    ...HOST,
    homeAncestors: new Map([["/", ["usr", "h"]]]),
  }) as { read: string[] };
  assert.ok(!read.read.includes("/h/bob"));
  assert.ok(read.read.includes("/usr"));
});

Deno.test("fence: without HOME nothing is written and read is whole", () => {
  const permissions = fence("build", {}, [], {
    ...HOST,
    paths: undefined,
    env: { PATH: "/usr/bin" },
  });
  assert.equal(permissions.write, false);
  assert.equal(permissions.read, true);
});

Deno.test("fence: files named on the command line are read, or written in their folder", () => {
  const check = fence("recipe check", {}, ["extra.yaml", "/h/alice/b.yaml"]);
  assert.equal(check.write, false);
  const read = check.read as string[];
  assert.ok(read.includes("/h/alice/work/extra.yaml"));
  assert.ok(read.includes("/h/alice/b.yaml"));
  assert.ok(!read.includes("/h/alice/work"));

  const relay = fence("relay local", { log: "logs/relay.jsonl" });
  assert.deepEqual(relay.write, [
    ...STATE_AND_TEMP,
    "/h/alice/work/logs",
  ]);

  const kernel = fence("kernel build", { source: "/h/alice/linux.tar.xz" });
  assert.ok((kernel.read as string[]).includes("/h/alice/linux.tar.xz"));
});

Deno.test("fence: proxy writes beside its policy only when no --log is given", () => {
  const beside = fence("proxy", { policy: "/h/alice/p/policy.yaml" });
  assert.deepEqual(beside.write, [...STATE_AND_TEMP, "/h/alice/p"]);
  const logged = fence("proxy", {
    policy: "/h/alice/p/policy.yaml",
    log: "/var/log/q/requests.jsonl",
    listen: "unix:/h/alice/s/proxy.sock",
  });
  assert.deepEqual(logged.write, [
    ...STATE_AND_TEMP,
    "/var/log/q",
    "/h/alice/s",
  ]);
  assert.ok((logged.read as string[]).includes("/h/alice/p"));
});

Deno.test("fence: desktop and schedule write their folders beside qubesify's", () => {
  assert.deepEqual(fence("desktop install").write, [
    "/h/alice/.local/share/applications",
  ]);
  assert.deepEqual(fence("schedule enable").write, [
    "/h/alice/.config/systemd/user",
  ]);
  assert.deepEqual(fence("schedule enable").run, ["systemctl"]);
});

Deno.test("fence: net setup runs the network tools only with --apply", () => {
  assert.equal(fence("net setup").run, false);
  assert.deepEqual(fence("net setup", { apply: true }).run, [
    "bridge",
    "ip",
    "nft",
    "sysctl",
  ]);
  assert.ok((fence("net setup").env as string[]).includes("SUDO_USER"));
});

Deno.test("fence: a TMPDIR is the temp folder; PULSE_SERVER names the pulse socket", () => {
  const permissions = fence("run", {}, [], {
    ...HOST,
    env: { ...HOST.env, TMPDIR: "/var/tmp", PULSE_SERVER: "unix:/srv/p.sock" },
  });
  const write = permissions.write as string[];
  assert.ok(write.includes("/var/tmp") && !write.includes("/tmp"));
  assert.ok(write.includes("/srv/p.sock"));
});
