import assert from "node:assert/strict";
import { join } from "node:path";
import {
  compositorSocket,
  NoWaylandSessionError,
  startWaypipeClient,
  waypipeClientArgs,
} from "./waypipe_client.ts";
import { BackgroundStartError } from "../exec/mod.ts";

Deno.test("waypipe client argv: compression, no GPU, socket, then the mode", () => {
  assert.deepEqual(
    waypipeClientArgs({
      socket: "/run/q/firefox-1/wayland.sock",
      compress: "lz4",
    }),
    [
      "--compress",
      "lz4",
      "--no-gpu",
      "--socket",
      "/run/q/firefox-1/wayland.sock",
      "client",
    ],
  );
});

Deno.test("the compositor's socket: a name in XDG_RUNTIME_DIR, or an absolute path", () => {
  assert.equal(
    compositorSocket({
      WAYLAND_DISPLAY: "wayland-1",
      XDG_RUNTIME_DIR: "/run/user/1000",
    }),
    "/run/user/1000/wayland-1",
  );
  assert.equal(compositorSocket({ WAYLAND_DISPLAY: "/tmp/w" }), "/tmp/w");
});

Deno.test("without a Wayland session the display is refused with what to do", () => {
  for (
    const [env, missing] of [
      [{ XDG_RUNTIME_DIR: "/run/user/1000" }, "WAYLAND_DISPLAY is not set"],
      [{ WAYLAND_DISPLAY: "wayland-0" }, "XDG_RUNTIME_DIR is not set"],
    ] as const
  ) {
    assert.throws(
      () => compositorSocket(env),
      (error) =>
        error instanceof NoWaylandSessionError &&
        error.message.includes(missing) &&
        error.message.includes("Wayland desktop session"),
    );
  }
});

Deno.test("a waypipe client without a compositor to draw on says so", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-waypipe-" });
  try {
    await assert.rejects(
      () =>
        startWaypipeClient({
          waypipe: "waypipe",
          socket: join(dir, "wayland.sock"),
          compress: "lz4",
          display: join(dir, "wayland-none"),
          runtimeDir: dir,
        }),
      (error) =>
        error instanceof BackgroundStartError &&
        error.message.startsWith(
          "waypipe did not start: it exited with status 1",
        ) &&
        error.message.includes("wayland-none"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
