/**
 * The layering of lib/ (see ../shared/DESIGN.md and the README's "How it
 * fits together"), checked on every test run: imports point down, a folder
 * is entered only through its mod.ts, the folders import each other
 * without cycles, and the leaves import nothing of ours.
 *
 * @module
 */
import assert from "node:assert/strict";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

/** lib's folders from the top layer down; a folder may import its layer and those below. */
const LAYERS: readonly (readonly string[])[] = [
  ["cli"],
  ["doctor"],
  ["vm"],
  [
    "relay",
    "egress",
    "vsock",
    "display",
    "audio",
    "image",
    "kernel",
    "net",
    "desktop",
    "schedule",
  ],
  ["ffi", "exec", "state", "guest", "recipe", "fs", "io", "errors"],
];

/** Folders that import no other folder of ours (the guest contract above all). */
const LEAVES: readonly string[] = ["guest", "errors", "io"];

/** A source file: its path from the repository root, and its text. */
interface SourceFile {
  path: string;
  text: string;
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g;

/** The lib folder a repository path lies in, if any. */
function libFolder(path: string): string | undefined {
  const parts = path.split("/");
  return parts[0] === "lib" && parts.length > 2 ? parts[1] : undefined;
}

/** Every relative import of `file`, resolved to a repository path. */
function importsOf(file: SourceFile): string[] {
  const targets: string[] = [];
  for (const match of file.text.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2];
    if (!specifier.startsWith(".")) continue;
    targets.push(normalize(join(dirname(file.path), specifier)));
  }
  return targets;
}

/**
 * What breaks the layering in `files`, one line each; empty when nothing.
 * Tests, test helpers and everything in tests/ may reach a folder's
 * `_test_*.ts` helpers.
 */
export function layeringViolations(files: readonly SourceFile[]): string[] {
  const rank = new Map<string, number>();
  LAYERS.forEach((layer, index) =>
    layer.forEach((name) => rank.set(name, index))
  );
  const problems: string[] = [];
  const edges = new Map<string, Set<string>>();
  for (const file of files) {
    const from = libFolder(file.path);
    if (from !== undefined && !rank.has(from)) {
      problems.push(
        `${file.path}: lib/${from} is in no layer; add it to LAYERS`,
      );
    }
    for (const target of importsOf(file)) {
      const to = libFolder(target);
      if (to === undefined || to === from) continue;
      const isTestHelper = /\/_test_[^/]*\.ts$/.test(target) &&
        (file.path.startsWith("tests/") ||
          /(_test\.ts|\/_test_[^/]*\.ts)$/.test(file.path));
      if (target !== `lib/${to}/mod.ts` && !isTestHelper) {
        problems.push(
          `${file.path}: imports ${target}; enter lib/${to} through its mod.ts`,
        );
      }
      if (from === undefined) continue;
      if (LEAVES.includes(from)) {
        problems.push(
          `${file.path}: lib/${from} is a leaf but imports lib/${to}`,
        );
      }
      if ((rank.get(to) ?? -1) < (rank.get(from) ?? Infinity)) {
        problems.push(
          `${file.path}: imports lib/${to}, a layer above lib/${from}`,
        );
      }
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from)!.add(to);
    }
  }
  const cycle = findCycle(edges);
  if (cycle) problems.push(`folders import each other: ${cycle.join(" → ")}`);
  return problems;
}

/** A cycle in the folder graph, as the folders along it, if there is one. */
function findCycle(edges: Map<string, Set<string>>): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    const onPath = path.indexOf(node);
    if (onPath >= 0) return [...path.slice(onPath), node];
    if (done.has(node)) return undefined;
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(node);
    return undefined;
  };
  for (const node of edges.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

const ROOT = fileURLToPath(new URL("..", import.meta.url));

async function sourceFiles(dir: string): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  for await (const entry of Deno.readDir(join(ROOT, dir))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) files.push(...await sourceFiles(path));
    else if (entry.name.endsWith(".ts")) {
      files.push({ path, text: await Deno.readTextFile(join(ROOT, path)) });
    }
  }
  return files;
}

Deno.test("layering: lib's imports point down, through mod.ts, without cycles", async () => {
  const files = [
    ...await sourceFiles("lib"),
    ...await sourceFiles("tests"),
    ...await sourceFiles("bench"),
    ...["main.ts", "mod.ts"].map((path) => ({
      path,
      text: Deno.readTextFileSync(join(ROOT, path)),
    })),
  ];
  assert.deepEqual(layeringViolations(files), []);
  const folders = [...Deno.readDirSync(join(ROOT, "lib"))]
    .filter((entry) => entry.isDirectory).map((entry) => entry.name).sort();
  assert.deepEqual(
    folders,
    LAYERS.flat().sort(),
    "every lib folder has a layer",
  );
});

Deno.test("layering: the check catches an upward, an internal and a cyclic import", () => {
  const file = (path: string, ...imports: string[]) => ({
    path,
    text: imports.map((target) => `import { x } from "${target}";`).join("\n"),
  });
  assert.deepEqual(
    layeringViolations([
      file("lib/exec/a.ts", "../vm/mod.ts"),
      file("lib/vm/b.ts", "../relay/engine.ts"),
      file("lib/relay/c.ts", "../egress/mod.ts"),
      file("lib/egress/d.ts", "../relay/mod.ts"),
      file("lib/guest/e.ts", "../errors/mod.ts"),
      file(
        "tests/f_test.ts",
        "../lib/vm/boot.ts",
        "../lib/image/_test_images.ts",
      ),
      file("lib/vm/g_test.ts", "../image/_test_images.ts"),
    ]),
    [
      "lib/exec/a.ts: imports lib/vm, a layer above lib/exec",
      "lib/vm/b.ts: imports lib/relay/engine.ts; enter lib/relay through its mod.ts",
      "lib/guest/e.ts: lib/guest is a leaf but imports lib/errors",
      "tests/f_test.ts: imports lib/vm/boot.ts; enter lib/vm through its mod.ts",
      "folders import each other: relay → egress → relay",
    ],
  );
});

Deno.test("layering: a folder missing from the layers is reported", () => {
  assert.deepEqual(
    layeringViolations([{ path: "lib/newthing/a.ts", text: "" }]),
    ["lib/newthing/a.ts: lib/newthing is in no layer; add it to LAYERS"],
  );
});
