import assert from "node:assert/strict";
import { resolveStatePaths } from "./paths.ts";

Deno.test("state paths follow XDG variables", () => {
  const paths = resolveStatePaths({
    env: {
      HOME: "/home/ada",
      XDG_CONFIG_HOME: "/cfg",
      XDG_DATA_HOME: "/data",
      XDG_RUNTIME_DIR: "/run/user/1000",
    },
    uid: 1000,
  });
  assert.deepEqual(paths, {
    config: "/cfg/qubesify",
    data: "/data/qubesify",
    runtime: "/run/user/1000/qubesify",
  });
});

Deno.test("state paths fall back to HOME and a per-uid temp dir", () => {
  const paths = resolveStatePaths({ env: { HOME: "/home/ada" }, uid: 1000 });
  assert.deepEqual(paths, {
    config: "/home/ada/.config/qubesify",
    data: "/home/ada/.local/share/qubesify",
    runtime: "/tmp/qubesify-1000",
  });
});

Deno.test("relative XDG values are ignored, as the spec requires", () => {
  const paths = resolveStatePaths({
    env: { HOME: "/h", XDG_DATA_HOME: "rel", XDG_RUNTIME_DIR: "rel" },
    uid: 7,
  });
  assert.equal(paths.data, "/h/.local/share/qubesify");
  assert.equal(paths.runtime, "/tmp/qubesify-7");
});

Deno.test("QUBESIFY_*_DIR overrides everything", () => {
  const paths = resolveStatePaths({
    env: {
      QUBESIFY_CONFIG_DIR: "/t/c",
      QUBESIFY_DATA_DIR: "/t/d",
      QUBESIFY_RUNTIME_DIR: "/t/r",
    },
    uid: 0,
  });
  assert.deepEqual(paths, { config: "/t/c", data: "/t/d", runtime: "/t/r" });
});

Deno.test("missing HOME is a clear error", () => {
  assert.throws(
    () => resolveStatePaths({ env: {}, uid: 0 }),
    /set HOME/,
  );
});
