import assert from "node:assert/strict";
import { swayCommand, swayConfig } from "./sway_headless.ts";

Deno.test("sway headless: the configuration sets the output and nothing else shows", () => {
  const config = swayConfig({ width: 800, height: 600 });
  assert.match(config, /^output HEADLESS-1 resolution 800x600 position 0 0$/m);
  assert.match(config, /^xwayland disable$/m);
  assert.doesNotMatch(config, /^\s*(bar|exec)\b/m);
});

Deno.test("sway headless: as root, setpriv drops to the test user and execs sway", () => {
  assert.deepEqual(swayCommand({ config: "/c" }), {
    program: "sway",
    args: ["--config", "/c"],
  });
  assert.deepEqual(
    swayCommand({
      config: "/c",
      user: { name: "qubesify-test", uid: 999, gid: 995 },
    }),
    {
      program: "setpriv",
      args: [
        "--reuid=999",
        "--regid=995",
        "--init-groups",
        "--",
        "sway",
        "--config",
        "/c",
      ],
    },
  );
});
