/**
 * The shipped dev recipe parses with the egress policy schema and lets
 * apt reach the Debian mirror and git reach GitHub (HTTPS and SSH), and
 * nothing else.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parseRecipes } from "../../lib/recipe/mod.ts";
import { decideRequest, emptyBlocklist } from "../../lib/egress/mod.ts";

const FILE = fileURLToPath(new URL("../../recipes/dev.yaml", import.meta.url));

Deno.test("recipes/dev.yaml: Debian mirror and GitHub allowed, the rest denied", async () => {
  const parsed = parseRecipes({
    text: await Deno.readTextFile(FILE),
    file: FILE,
    defaultName: "dev",
  });
  assert.deepEqual(parsed.problems, []);
  const app = parsed.recipes.find((recipe) => recipe.kind === "app");
  assert.ok(app && app.kind === "app");
  const network = app.network;
  assert.ok(typeof network === "object" && network.mode === "proxy");
  const policy = network.proxy!;
  const allowed = (host: string, port: number, kind: "connect" | "http") =>
    decideRequest(policy, emptyBlocklist(), { host, port, kind }).allowed;
  assert.ok(allowed("deb.debian.org", 80, "http"));
  assert.ok(allowed("deb.debian.org", 443, "connect"));
  assert.ok(allowed("security.debian.org", 80, "http"));
  assert.ok(allowed("github.com", 443, "connect"));
  assert.ok(allowed("github.com", 22, "connect"));
  assert.ok(allowed("codeload.github.com", 443, "connect"));
  assert.ok(allowed("objects.githubusercontent.com", 443, "connect"));
  assert.ok(!allowed("api.github.com", 22, "connect"));
  assert.ok(!allowed("example.org", 443, "connect"));
  assert.ok(!allowed("deb.debian.org", 22, "connect"));
});
