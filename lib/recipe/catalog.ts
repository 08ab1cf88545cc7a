/**
 * All recipes qubesify knows: the shipped ones, overridden by the user's.
 *
 * @module
 */
import { errorMessage, QubesifyError } from "../errors/mod.ts";
import { basename, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type AppRecipe,
  type ParsedRecipes,
  parseRecipes,
  type Recipe,
  type TemplateRecipe,
} from "./parse.ts";
import {
  formatProblem,
  RecipeError,
  type RecipeProblem,
  type SourcePosition,
} from "./problem.ts";

/** Templates and apps by name, and what was wrong while loading them. */
export interface RecipeCatalog {
  /** Templates by name. */
  templates: Map<string, TemplateRecipe>;
  /** Apps by name. */
  apps: Map<string, AppRecipe>;
  /** Every problem found; recipes with problems are left out. */
  problems: RecipeProblem[];
}

/**
 * Combines parsed files into a catalog. `layers` go from lowest to highest
 * priority: a recipe in a later layer replaces one of the same kind and name
 * in an earlier layer; two in the same layer are an error. Apps must name a
 * template that exists.
 */
export function assembleCatalog(
  layers: readonly ParsedRecipes[][],
): RecipeCatalog {
  const catalog: RecipeCatalog = {
    templates: new Map(),
    apps: new Map(),
    problems: [],
  };
  for (const layer of layers) {
    const seen = new Map<string, SourcePosition>();
    for (const file of layer) {
      catalog.problems.push(...file.problems);
      for (const recipe of file.recipes) {
        const id = `${recipe.kind} ${recipe.name}`;
        const earlier = seen.get(id);
        if (earlier) {
          catalog.problems.push({
            ...recipe.origin,
            key: "name",
            message: `${recipe.kind} "${recipe.name}" is already defined at ${
              formatProblem({ ...earlier, key: "", message: "" }).trim()
            }; give one of them another name`,
          });
          continue;
        }
        seen.set(id, recipe.origin);
        addRecipe(catalog, recipe);
      }
    }
  }
  for (const [name, app] of catalog.apps) {
    if (catalog.templates.has(app.template)) continue;
    const known = [...catalog.templates.keys()].sort().join(", ") || "none";
    catalog.problems.push({
      ...app.templateOrigin,
      key: "template",
      message: `unknown template "${app.template}" (known templates: ${known})`,
    });
    catalog.apps.delete(name);
  }
  return catalog;
}

function addRecipe(catalog: RecipeCatalog, recipe: Recipe): void {
  if (recipe.kind === "template") catalog.templates.set(recipe.name, recipe);
  else catalog.apps.set(recipe.name, recipe);
}

/** A directory of recipe files and how its files are named in messages. */
export interface RecipeDirectory {
  /** Absolute directory path; a missing directory holds no recipes. */
  path: string;
  /** The prefix shown instead of `path` in messages. */
  display?: string;
}

/** The recipes shipped with qubesify (embedded in the compiled binary). */
export function shippedRecipeDirectory(): RecipeDirectory {
  return {
    path: fileURLToPath(new URL("../../recipes", import.meta.url)),
    display: "recipes",
  };
}

/** The user's recipes, which override shipped ones of the same name. */
export function userRecipeDirectory(configDir: string): RecipeDirectory {
  return { path: join(configDir, "recipes") };
}

/** Reads and parses every `*.yaml`/`*.yml` file in a directory, sorted. */
export async function readRecipeDirectory(
  directory: RecipeDirectory,
): Promise<ParsedRecipes[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(directory.path)) {
      if (entry.isFile && /\.ya?ml$/.test(entry.name)) names.push(entry.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  names.sort();
  return await Promise.all(names.map(async (name) => {
    const path = join(directory.path, name);
    const display = join(directory.display ?? directory.path, name);
    let bytes: Uint8Array;
    try {
      bytes = await readAtMost(path, MAX_RECIPE_FILE_BYTES + 1);
    } catch (error) {
      // One unreadable file must not hide every other recipe.
      return fileProblem(display, `cannot be read: ${errorMessage(error)}`);
    }
    return parseRecipeBytes(bytes, path, display);
  }));
}

/**
 * The largest recipe file read. Recipes are a few kilobytes; a bigger file
 * is a mistake or an attempt to make every command slow.
 */
export const MAX_RECIPE_FILE_BYTES = 1024 * 1024;

/**
 * Reads and parses one recipe file; `display` names it in messages. A file
 * over {@linkcode MAX_RECIPE_FILE_BYTES} is a problem, not read.
 */
export async function readRecipeFile(
  path: string,
  display: string = path,
): Promise<ParsedRecipes> {
  const bytes = await readAtMost(path, MAX_RECIPE_FILE_BYTES + 1);
  return parseRecipeBytes(bytes, path, display);
}

function parseRecipeBytes(
  bytes: Uint8Array,
  path: string,
  display: string,
): ParsedRecipes {
  if (bytes.length > MAX_RECIPE_FILE_BYTES) {
    return fileProblem(
      display,
      `expected a recipe file of at most ${MAX_RECIPE_FILE_BYTES / 1024} KiB`,
    );
  }
  return parseRecipes({
    text: new TextDecoder().decode(bytes),
    file: display,
    defaultName: basename(path, extname(path)),
  });
}

/** A file that yields no recipes, only `message`, placed at its start. */
function fileProblem(file: string, message: string): ParsedRecipes {
  return {
    recipes: [],
    problems: [{ file, line: 1, col: 1, key: "", message }],
  };
}

/** Reads `path` to its end or past `limit` bytes, whichever is first. */
async function readAtMost(path: string, limit: number): Promise<Uint8Array> {
  using file = await Deno.open(path);
  const chunk = new Uint8Array(64 * 1024);
  const chunks: Uint8Array[] = [];
  let length = 0;
  while (length < limit) {
    const read = await file.read(chunk);
    if (read === null) break;
    chunks.push(chunk.slice(0, read));
    length += read;
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const part of chunks) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

/** Loads the catalog from directories, lowest priority first. */
export async function loadCatalog(
  directories: readonly RecipeDirectory[],
): Promise<RecipeCatalog> {
  const layers = await Promise.all(directories.map(readRecipeDirectory));
  return assembleCatalog(layers);
}

/** An app with the template it boots from. */
export interface ResolvedApp {
  /** The app. */
  app: AppRecipe;
  /** Its template. */
  template: TemplateRecipe;
}

/**
 * Finds an app and its template. When there is none, the error names the
 * known apps and lists the catalog's problems, since a broken file is the
 * usual reason an app the user wrote is missing.
 */
export function resolveApp(catalog: RecipeCatalog, name: string): ResolvedApp {
  const app = catalog.apps.get(name);
  const template = app && catalog.templates.get(app.template);
  if (app && template) return { app, template };
  const known = [...catalog.apps.keys()].sort().join(", ") || "none";
  throw new UnknownAppError(
    `unknown app "${name}" (known apps: ${known}); see qubesify recipe ls` +
      (catalog.problems.length
        ? `\n${new RecipeError(catalog.problems).message}`
        : ""),
  );
}

/** A command named an app no recipe defines: a usage error. */
export class UnknownAppError extends QubesifyError {
  /** The CLI's exit code for usage errors. */
  override readonly exitCode = 2;
}

/** What the apps of a template need from the guest: windows, sound. */
export interface TemplateUses {
  /** Some app shows windows (waypipe in the image). */
  display: boolean;
  /** Some app plays or records sound (pulse client in the image). */
  audio: boolean;
}

/**
 * What all apps of the catalog that use `template` need. Always the whole
 * catalog, so an image's inputs do not depend on which app asked for it.
 */
export function templateUses(
  catalog: RecipeCatalog,
  template: string,
): TemplateUses {
  const apps = [...catalog.apps.values()].filter((app) =>
    app.template === template
  );
  return {
    display: apps.some((app) => app.display === "wayland"),
    audio: apps.some((app) => app.audio !== "none"),
  };
}
