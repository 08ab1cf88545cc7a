import assert from "node:assert/strict";
import { join } from "node:path";
import {
  pulseSocketPath,
  type ServiceNeeds,
  startHostServices,
} from "./host_services.ts";

const NEEDS: ServiceNeeds = {
  name: "foot",
  display: "wayland",
  audio: "none",
  label: "foot",
  colour: "#cc0000",
  displayPolicy: { allow: [], deny: [], clipboard: "explicit" },
};

Deno.test("the pulse socket: PULSE_SERVER when it is a UNIX path, else the runtime dir's", () => {
  assert.equal(
    pulseSocketPath({ XDG_RUNTIME_DIR: "/run/user/1000" }),
    "/run/user/1000/pulse/native",
  );
  assert.equal(
    pulseSocketPath({
      XDG_RUNTIME_DIR: "/run/user/1000",
      PULSE_SERVER: "unix:/tmp/pulse.sock",
    }),
    "/tmp/pulse.sock",
  );
  assert.equal(pulseSocketPath({ PULSE_SERVER: "/tmp/p" }), "/tmp/p");
  assert.equal(pulseSocketPath({ PULSE_SERVER: "tcp:host:4713" }), undefined);
  assert.equal(pulseSocketPath({}), undefined);
});

Deno.test("audio: the user's pulse socket when there is one, a warning when not", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-services-" });
  try {
    const warnings: string[] = [];
    const needs = {
      ...NEEDS,
      name: "player",
      display: "none",
      audio: "playback",
    } as const;
    const session = {
      env: { XDG_RUNTIME_DIR: dir },
      warn: (line: string) => warnings.push(line),
    };
    {
      await using services = await startHostServices({
        vm: "player-1",
        needs,
        session,
        vmDir: dir,
      });
      assert.deepEqual(services.sockets, {});
      assert.deepEqual(warnings, [
        `no sound: no pulse server socket at ${dir}/pulse/native (is pipewire-pulse running?)`,
      ]);
    }
    await Deno.mkdir(join(dir, "pulse"));
    using _listener = Deno.listen({
      transport: "unix",
      path: join(dir, "pulse", "native"),
    });
    await using services = await startHostServices({
      vm: "player-1",
      needs,
      session,
      vmDir: dir,
    });
    // The VM gets its audio guard's socket, never the server's own.
    assert.deepEqual(services.sockets, { audio: join(dir, "pulse.sock") });
    assert.equal(warnings.length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("display: refused with what to do when waypipe is missing", async () => {
  await assert.rejects(
    () =>
      startHostServices({
        vm: "foot-1",
        needs: NEEDS,
        session: { env: { WAYLAND_DISPLAY: "wayland-0" }, warn: () => {} },
        vmDir: "/nonexistent",
      }),
    /waypipe is not installed; `qubesify doctor` shows how/,
  );
});
