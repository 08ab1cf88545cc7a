import assert from "node:assert/strict";
import { join } from "node:path";
import {
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
  assert.deepEqual(
    waypipeClientArgs({
      socket: "/s",
      compress: "zstd=5",
      titlePrefix: "[firefox] ",
    }),
    [
      "--compress",
      "zstd=5",
      "--no-gpu",
      "--socket",
      "/s",
      "--title-prefix",
      "[firefox] ",
      "client",
    ],
  );
});

Deno.test("without a Wayland session the display is refused with what to do", async () => {
  await assert.rejects(
    () =>
      startWaypipeClient({
        waypipe: "waypipe",
        socket: "/nonexistent/wayland.sock",
        compress: "lz4",
        app: "firefox",
        env: { XDG_RUNTIME_DIR: "/run/user/1000" },
      }),
    (error) =>
      error instanceof NoWaylandSessionError &&
      error.message.includes("WAYLAND_DISPLAY is not set") &&
      error.message.includes("Wayland desktop session"),
  );
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
          app: "smoke",
          env: { WAYLAND_DISPLAY: "wayland-none", XDG_RUNTIME_DIR: dir },
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
