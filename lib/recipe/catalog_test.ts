import assert from "node:assert/strict";
import { join } from "node:path";
import { MAX_RECIPE_FILE_BYTES, readRecipeFile } from "./catalog.ts";
import { formatProblem } from "./problem.ts";
import { parseRecipes } from "./parse.ts";
import { VALID, withRecipes } from "./_test_recipes.ts";

Deno.test("a YAML 1.1 merge of a scalar is a problem of its file too", () => {
  const { recipes, problems } = parseRecipes({
    text: "%YAML 1.1\n---\nkind: template\na: {<<: 3}\n",
    file: "merge.yaml",
    defaultName: "merge",
  });
  assert.deepEqual(recipes, []);
  assert.deepEqual(problems.map(formatProblem), [
    "merge.yaml:3:1 expected YAML that reads as values: Merge sources must be maps or map aliases",
  ]);
});

Deno.test("an unreadable file is a problem of its own", async () => {
  await withRecipes({
    "a.yaml": VALID,
    "b.yaml": "kind: template\nname: other\n",
  }, async (config) => {
    const recipes = join(config, "recipes");
    // Root reads any file, so the refusal comes from Deno's permissions.
    const script = join(config, "load.ts");
    await Deno.writeTextFile(
      script,
      `import { formatProblem, loadCatalog } from ${
        JSON.stringify(new URL("./mod.ts", import.meta.url).href)
      };
      const catalog = await loadCatalog([{ path: ${
        JSON.stringify(recipes)
      }, display: "r" }]);
      console.log(JSON.stringify({
        apps: [...catalog.apps.keys()],
        templates: [...catalog.templates.keys()],
        problems: catalog.problems.map(formatProblem),
      }));`,
    );
    const run = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        `--config=${new URL("../../deno.json", import.meta.url).pathname}`,
        "--allow-read",
        "--allow-env",
        `--deny-read=${join(recipes, "b.yaml")}`,
        script,
      ],
      stdin: "null",
    }).output();
    const stderr = new TextDecoder().decode(run.stderr);
    assert.equal(run.code, 0, stderr);
    const { apps, templates, problems } = JSON.parse(
      new TextDecoder().decode(run.stdout),
    );
    assert.deepEqual(apps, ["editor"]);
    assert.deepEqual(templates, ["base"]);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^r\/b\.yaml:1:1 cannot be read: /);
  });
});

Deno.test("a recipe file over the size limit is a problem, not read", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-catalog-test-" });
  try {
    const path = join(dir, "big.yaml");
    await Deno.writeTextFile(path, `# ${"x".repeat(MAX_RECIPE_FILE_BYTES)}\n`);
    const { recipes, problems } = await readRecipeFile(path, "big.yaml");
    assert.deepEqual(recipes, []);
    assert.deepEqual(problems.map(formatProblem), [
      "big.yaml:1:1 expected a recipe file of at most 1024 KiB",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
