/**
 * Parsing one recipe file: YAML documents validated against the recipe
 * schemas, with every problem located at its line and column.
 *
 * @module
 */
import {
  type Document,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseAllDocuments,
  visit,
} from "yaml";
import type { z } from "zod";
import { errorMessage } from "../errors/mod.ts";
import {
  type AppDocument,
  appSchema,
  isRecipeName,
  MAX_NAME_LENGTH,
  type TemplateDocument,
  templateSchema,
} from "./schema.ts";
import type { DisplayPolicy } from "./display_policy.ts";
import {
  formatKeyPath,
  type RecipeProblem,
  type SourcePosition,
} from "./problem.ts";

/** A validated template with its resolved name and where it was defined. */
export interface TemplateRecipe extends TemplateDocument {
  /** The template's name: `name:` or the file's base name. */
  name: string;
  /** Where the document starts. */
  origin: SourcePosition;
}

/** A validated app with its resolved name and where it was defined. */
export interface AppRecipe extends Omit<AppDocument, "display" | "label"> {
  /** The app's name: `name:` or the file's base name. */
  name: string;
  /** Whether the app gets a Wayland display. */
  display: "wayland" | "none";
  /** What the display guard lets through (defaults when `display` is none). */
  displayPolicy: DisplayPolicy;
  /** Shown in window titles; defaults to the name. */
  label: string;
  /** The window frame's colour, lowercase `#rrggbb`; red by default. */
  colour: string;
  /** Where the document starts. */
  origin: SourcePosition;
  /** Where the `template:` value is, for errors about the reference. */
  templateOrigin: SourcePosition;
}

/** Any recipe document. */
export type Recipe = TemplateRecipe | AppRecipe;

/** What one file yields: its valid recipes and its problems. */
export interface ParsedRecipes {
  /** Documents that validated. */
  recipes: Recipe[];
  /** Everything wrong, in file order. */
  problems: RecipeProblem[];
}

/** Input to {@linkcode parseRecipes}. */
export interface RecipeSource {
  /** The YAML text. */
  text: string;
  /** The file name shown in problems. */
  file: string;
  /** Name of documents without `name:` (the file's base name). */
  defaultName: string;
}

const KINDS = "expected kind: app or kind: template";

/** Parses and validates every YAML document in one recipe file. */
export function parseRecipes(source: RecipeSource): ParsedRecipes {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(source.text, { lineCounter });
  const locate = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file: source.file, line, col };
  };
  const result: ParsedRecipes = { recipes: [], problems: [] };
  if (!Array.isArray(documents)) {
    // An empty stream: nothing to validate and nothing wrong.
    return result;
  }
  for (const document of documents) {
    const syntax = [...document.errors];
    if (syntax.length > 0) {
      for (const error of syntax) {
        result.problems.push({
          ...locate(error.pos[0]),
          key: "",
          message: `YAML syntax error: ${error.message.split("\n")[0]}`,
        });
      }
      continue;
    }
    if (document.contents === null) continue;
    validateDocument(document, source, locate, result);
  }
  return result;
}

function validateDocument(
  document: Document.Parsed,
  source: RecipeSource,
  locate: (offset: number) => SourcePosition,
  result: ParsedRecipes,
): void {
  const root = document.contents as Node;
  const start = locate(root.range?.[0] ?? 0);
  let data: unknown;
  try {
    data = document.toJS();
  } catch (error) {
    // The yaml library's guard against alias bombs (a few lines that expand
    // to billions of values) throws here: a problem of this document only.
    const alias = firstAlias(document);
    result.problems.push({
      ...(alias ? locate(alias.range?.[0] ?? 0) : start),
      key: "",
      message: alias
        ? `YAML aliases expand to too many values (${
          errorMessage(error)
        }); write the values out instead`
        : `expected YAML that reads as values: ${errorMessage(error)}`,
    });
    return;
  }
  if (!isMap(root) || typeof data !== "object" || data === null) {
    result.problems.push({
      ...start,
      key: "",
      message: `${KINDS} (a mapping)`,
    });
    return;
  }
  const kind = (data as Record<string, unknown>).kind;
  if (kind !== "app" && kind !== "template") {
    const at = nodeAt(root, ["kind"]);
    result.problems.push({
      ...(at ? locate(at.range?.[0] ?? 0) : start),
      key: "kind",
      message: at
        ? `${KINDS}, got ${describeValue(kind)}`
        : `missing; ${KINDS}`,
    });
    return;
  }
  const schema: z.ZodType = kind === "app" ? appSchema : templateSchema;
  const parsed = schema.safeParse(data, { error: describeIssue });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      result.problems.push(...locateIssue(issue, root, start, locate));
    }
    return;
  }
  const value = parsed.data as AppDocument | TemplateDocument;
  const name = value.name ?? source.defaultName;
  if (!isRecipeName(name)) {
    result.problems.push({
      ...start,
      key: "name",
      message:
        `missing, and the file name "${name}" is not a valid recipe name; add name: with at most ${MAX_NAME_LENGTH} lowercase letters, digits and dashes`,
    });
    return;
  }
  if (value.kind === "template") {
    result.recipes.push({ ...value, name, origin: start });
  } else {
    const templateNode = nodeAt(root, ["template"]);
    const { display, label, ...rest } = value;
    result.recipes.push({
      ...rest,
      name,
      display: display.mode,
      displayPolicy: display.policy,
      label: label.name ?? name,
      colour: label.colour,
      origin: start,
      templateOrigin: locate(templateNode?.range?.[0] ?? 0),
    });
  }
}

/** The document's first alias (`*name`), where an alias bomb starts. */
function firstAlias(document: Document.Parsed): Node | undefined {
  let found: Node | undefined;
  visit(document, {
    Alias: (_key, node) => {
      found = node;
      return visit.BREAK;
    },
  });
  return found;
}

/** Turns one zod issue into problems placed on the offending YAML nodes. */
function locateIssue(
  issue: z.core.$ZodIssue,
  root: Node,
  start: SourcePosition,
  locate: (offset: number) => SourcePosition,
): RecipeProblem[] {
  if (issue.code === "unrecognized_keys") {
    const parent = nodeAt(root, issue.path);
    return issue.keys.map((key) => {
      const keyNode = isMap(parent)
        ? parent.items.find((pair) =>
          isScalar(pair.key) && pair.key.value === key
        )
          ?.key as Node | undefined
        : undefined;
      return {
        ...(keyNode ? locate(keyNode.range?.[0] ?? 0) : start),
        key: formatKeyPath([...issue.path, key]),
        message: `unknown key; ${issue.message}`,
      };
    });
  }
  const { node, depth } = deepestNode(root, issue.path);
  const key = formatKeyPath(issue.path.slice(0, depth));
  if (depth === issue.path.length || !isMap(node)) {
    // Exact, or a shorthand scalar standing for a mapping (`network: user`).
    return [{ ...locate(node.range?.[0] ?? 0), key, message: issue.message }];
  }
  // The key is absent: point at the mapping that should hold it.
  return [{
    ...locate(node.range?.[0] ?? 0),
    key: formatKeyPath(issue.path),
    message: `missing; ${issue.message}`,
  }];
}

/** Follows a key path through YAML maps and sequences. */
function nodeAt(root: Node, path: readonly PropertyKey[]): Node | undefined {
  const { node, depth } = deepestNode(root, path);
  return depth === path.length ? node : undefined;
}

/** The deepest node along `path` that exists, and how many segments it took. */
function deepestNode(
  root: Node,
  path: readonly PropertyKey[],
): { node: Node; depth: number } {
  let node = root;
  for (const [depth, segment] of path.entries()) {
    let next: Node | undefined;
    if (isMap(node)) {
      const pair: Pair | undefined = node.items.find((item) =>
        isScalar(item.key) && item.key.value === segment
      );
      next = (pair?.value ?? undefined) as Node | undefined;
    } else if (isSeq(node) && typeof segment === "number") {
      next = node.items[segment] as Node | undefined;
    }
    if (!next) return { node, depth };
    node = next;
  }
  return { node, depth: path.length };
}

/** Fallback wording for issues whose schema has no message of its own. */
function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === "invalid_type") {
    const expected = issue.expected === "object"
      ? "a mapping of keys to values"
      : issue.expected === "array"
      ? "a list"
      : `a ${issue.expected}`;
    return `expected ${expected}, got ${describeValue(issue.input)}`;
  }
  return undefined;
}

function describeValue(value: unknown): string {
  if (value === null) return "an empty value";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `"${value}"`;
  return `${typeof value} ${String(value)}`;
}
