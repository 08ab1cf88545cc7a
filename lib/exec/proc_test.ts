import assert from "node:assert/strict";
import { isProcessAlive, readKernelFile } from "./proc.ts";

Deno.test("liveness of this process and of one that is gone", async () => {
  assert.equal(await isProcessAlive(Deno.pid), true);
  const child = new Deno.Command("true").spawn();
  await child.status;
  assert.equal(await isProcessAlive(child.pid), false);
  assert.equal(await isProcessAlive("12"), false);
  assert.equal(await isProcessAlive(-1), false);
  assert.equal(await isProcessAlive(2 ** 32 + Deno.pid), false);
});

Deno.test("liveness is a syscall: no process is started to ask", async () => {
  const child = new Deno.Command("true").spawn();
  await child.status;
  const real = Deno.Command;
  let spawned = 0;
  Deno.Command = class extends real {
    constructor(...args: ConstructorParameters<typeof real>) {
      super(...args);
      spawned++;
    }
  };
  try {
    for (let i = 0; i < 100; i++) {
      assert.equal(await isProcessAlive(Deno.pid), true);
      assert.equal(await isProcessAlive(child.pid), false);
    }
  } finally {
    Deno.Command = real;
  }
  assert.equal(spawned, 0, "processes started to ask about liveness");
});

Deno.test("liveness without the ffi permission asks the kill program", async () => {
  const gone = new Deno.Command("true").spawn();
  await gone.status;
  const script = `
    import { isProcessAlive } from ${
    JSON.stringify(import.meta.resolve("./proc.ts"))
  };
    console.log(await isProcessAlive(Deno.pid), await isProcessAlive(${gone.pid}));
  `;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-config", "--allow-read", "--allow-run=kill", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(script));
  await writer.close();
  const output = await child.output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, stderr);
  assert.equal(new TextDecoder().decode(output.stdout).trim(), "true false");
});

Deno.test("kernel files are read; other paths are refused", async () => {
  assert.match(await readKernelFile("/proc/meminfo") ?? "", /^MemTotal:/m);
  assert.equal(await readKernelFile("/proc/no-such-file"), undefined);
  await assert.rejects(
    () => readKernelFile("/etc/shadow"),
    /not a \/proc or \/sys path/,
  );
  await assert.rejects(
    () => readKernelFile("/proc/../etc/shadow"),
    /not a \/proc/,
  );
});
