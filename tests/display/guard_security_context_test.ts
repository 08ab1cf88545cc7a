/**
 * The compositor's own sandboxing: where the compositor offers
 * wp_security_context_manager_v1, the guard hands it a listening socket
 * tagged `qubesify`, the app id and the VM's name, and lets go of it when
 * it stops. None of the compositors installable here has it yet (sway
 * 1.7, mutter 43, weston 10), so a stand-in compositor plays that part.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  openSandboxedListener,
  SANDBOX_ENGINE,
  startDisplayGuard,
} from "../../lib/display/mod.ts";

const FAKE = fileURLToPath(
  new URL("./_fake_sandboxing_compositor.ts", import.meta.url),
);

async function fakeCompositor(dir: string, ...flags: string[]) {
  const socket = join(dir, "compositor.sock");
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", FAKE, socket, ...flags],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes("ready\n")) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`the stand-in compositor ended: ${seen}`);
    seen += value;
  }
  return {
    socket,
    async output() {
      let rest = seen.slice(seen.indexOf("ready\n") + 6);
      for (;;) {
        const { value, done } = await lines.read();
        if (done) return rest;
        rest += value;
      }
    },
    status: child.status,
  };
}

Deno.test("security context: the guard's connections go to a socket the compositor tags and lets go of", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-seccontext-" });
  try {
    const compositor = await fakeCompositor(dir);
    const listenPath = join(dir, "sandboxed.sock");
    const listener = openSandboxedListener({
      compositorPath: compositor.socket,
      listenPath,
      appId: "qubesify-work",
      instanceId: "work-1",
    });
    assert.ok(listener);
    assert.equal(listener.path, listenPath);
    const conn = await Deno.connect({ transport: "unix", path: listener.path });
    const text = new TextDecoder().decode(
      await new Response(conn.readable).arrayBuffer(),
    );
    assert.equal(text, `sandboxed ${SANDBOX_ENGINE} qubesify-work work-1\n`);
    listener[Symbol.dispose]();
    assert.equal(await compositor.output(), "released\n");
    assert.equal((await compositor.status).code, 0);
    await assert.rejects(Deno.stat(listenPath), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("security context: a compositor without it gets the VM's connections as before", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-seccontext-" });
  try {
    const compositor = await fakeCompositor(dir, "--no-manager");
    const listener = openSandboxedListener({
      compositorPath: compositor.socket,
      listenPath: join(dir, "sandboxed.sock"),
      appId: "qubesify-work",
      instanceId: "work-1",
    });
    assert.equal(listener, undefined);
    assert.equal((await compositor.status).code, 0);
    await assert.rejects(
      Deno.stat(join(dir, "sandboxed.sock")),
      Deno.errors.NotFound,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("security context: startDisplayGuard uses it when offered, and lets go when it stops", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-seccontext-" });
  try {
    const compositor = await fakeCompositor(dir);
    const log: string[] = [];
    const guard = await startDisplayGuard({
      listenPath: join(dir, "guard.sock"),
      compositorPath: compositor.socket,
      config: {
        vm: "work-1",
        app: "work",
        label: "work",
        colour: "#cc0000",
        globals: { allow: [] },
        clipboard: "explicit",
      },
      onLog: (line) => log.push(line),
    });
    assert.match(
      log.join("\n"),
      /work-1: the compositor sandboxes this VM's connections too/,
    );
    // A VM's connection through the guard reaches the tagged socket.
    const conn = await Deno.connect({ transport: "unix", path: guard.path });
    await new Response(conn.readable).arrayBuffer();
    await guard.close();
    assert.equal(await compositor.output(), "released\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
