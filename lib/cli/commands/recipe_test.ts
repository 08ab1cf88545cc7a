import assert from "node:assert/strict";
import { join } from "node:path";
import { defaultAllowedGlobals } from "../../display/mod.ts";
import { cli } from "../_test_cli.ts";
import { aliasBomb, VALID, withRecipes } from "../../recipe/_test_recipes.ts";
import { formatProblem, loadCatalog } from "../../recipe/mod.ts";

Deno.test("recipe show prints the effective display policy, label and colour", async () => {
  const config = await Deno.makeTempDir({ prefix: "qubesify-recipe-test-" });
  try {
    await Deno.mkdir(join(config, "recipes"));
    await Deno.writeTextFile(
      join(config, "recipes", "tablet.yaml"),
      [
        "kind: app",
        "template: smoke",
        "command: [foot]",
        "display:",
        "  allow: [zwp_tablet_manager_v2]",
        "  deny: [wp_presentation]",
        "  clipboard: none",
        'label: {name: art, colour: "#00AA00"}',
        "---",
        "kind: app",
        "name: headless",
        "template: smoke",
        "command: [sleep, infinity]",
        "display: none",
        "",
      ].join("\n"),
    );
    const { code, out } = await cli(["recipe", "show", "tablet", "--json"], {
      paths: { config },
    });
    assert.equal(code, 0);
    const { app } = JSON.parse(out);
    assert.deepEqual(app.label, { name: "art", colour: "#00aa00" });
    assert.equal(app.display.mode, "wayland");
    assert.equal(app.display.clipboard, "none");
    assert.deepEqual(app.display.allow, ["zwp_tablet_manager_v2"]);
    assert.deepEqual(app.display.deny, ["wp_presentation"]);
    const expected = [...defaultAllowedGlobals(), "zwp_tablet_manager_v2"]
      .filter((name) => name !== "wp_presentation").sort();
    assert.deepEqual(app.display.globals, expected);

    const headless = await cli(["recipe", "show", "headless", "--json"], {
      paths: { config },
    });
    assert.equal(headless.code, 0);
    const shown = JSON.parse(headless.out).app;
    assert.deepEqual(shown.display, { mode: "none" });
    assert.deepEqual(shown.label, { name: "headless", colour: "#cc0000" });
  } finally {
    await Deno.remove(config, { recursive: true });
  }
});

Deno.test("recipe show firefox lists the default globals in YAML", async () => {
  const { code, out } = await cli(["recipe", "show", "firefox"]);
  assert.equal(code, 0);
  assert.match(out, /\n {4}globals:\n {6}- wl_compositor\n/);
  assert.match(out, /\n {2}label:\n {4}name: firefox\n {4}colour: "#f57900"\n/);
});

Deno.test("a YAML alias bomb is a problem of its file; the others load", async () => {
  await withRecipes(
    { "a.yaml": VALID, "bomb.yaml": aliasBomb() },
    async (config) => {
      const catalog = await loadCatalog([{
        path: join(config, "recipes"),
        display: "r",
      }]);
      assert.deepEqual([...catalog.apps.keys()], ["editor"]);
      assert.deepEqual(catalog.problems.map(formatProblem), [
        "r/bomb.yaml:3:10 YAML aliases expand to too many values (Excessive alias count indicates a resource exhaustion attack); write the values out instead",
      ]);

      const check = await cli(["recipe", "check"], { paths: { config } });
      assert.equal(check.code, 1);
      assert.match(
        check.err,
        /bomb\.yaml:3:10 YAML aliases expand to too many values/,
      );

      const ls = await cli(["recipe", "ls"], { paths: { config } });
      assert.equal(ls.code, 0, ls.err);
      assert.match(ls.out, /\napp +editor +base /);
      assert.match(ls.out, /\napp +firefox /, "shipped recipes are listed too");
      assert.match(ls.err, /bomb\.yaml:3:10 /);
    },
  );
});
