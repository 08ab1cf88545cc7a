/**
 * Test support: recipe folders written for a test, and hostile recipes.
 *
 * @module
 */
import { join } from "node:path";

/** Nine lines that expand to 9^10 values when turned into data. */
export function aliasBomb(): string {
  const lines = [
    "kind: template",
    'a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]',
  ];
  for (let level = 1; level <= 9; level++) {
    const previous = `*a${level - 1}`;
    lines.push(`a${level}: &a${level} [${Array(9).fill(previous).join(", ")}]`);
  }
  return `${lines.join("\n")}\n`;
}

/** A valid template and an app of it. */
export const VALID = [
  "kind: template",
  "name: base",
  "---",
  "kind: app",
  "name: editor",
  "template: base",
  "command: [vi]",
  "",
].join("\n");

/** Runs `body` with a config folder whose recipes/ holds `files`. */
export async function withRecipes(
  files: Record<string, string>,
  body: (config: string) => Promise<void>,
): Promise<void> {
  const config = await Deno.makeTempDir({ prefix: "qubesify-catalog-test-" });
  try {
    await Deno.mkdir(join(config, "recipes"));
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(join(config, "recipes", name), text);
    }
    await body(config);
  } finally {
    await Deno.remove(config, { recursive: true });
  }
}
