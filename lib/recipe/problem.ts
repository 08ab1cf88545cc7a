/**
 * A problem found in a recipe file, located by file, line and column.
 *
 * @module
 */
import { QubesifyError } from "../errors/mod.ts";

/** A place in a recipe file (1-based line and column). */
export interface SourcePosition {
  /** The file as shown to the user. */
  file: string;
  /** Line, counting from 1. */
  line: number;
  /** Column, counting from 1. */
  col: number;
}

/** One thing wrong with a recipe, and where. */
export interface RecipeProblem extends SourcePosition {
  /** The key path, like `network.proxy.allow[0].host`; empty for the document. */
  key: string;
  /** What is wrong, phrased as what is expected. */
  message: string;
}

/**
 * Characters a problem could carry from the recipe (keys, values, file
 * names) that would steer the terminal or disguise the text: controls,
 * line and paragraph separators, bidirectional formatting.
 */
const UNPRINTABLE =
  // deno-lint-ignore no-control-regex
  /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Whether `text` is free of controls, line and paragraph separators and
 * bidirectional formatting, so it shows as itself on one line.
 */
export function isPrintable(text: string): boolean {
  return text.search(UNPRINTABLE) === -1;
}

/**
 * Formats a problem as `file:line:col key: message`, on one line: what it
 * quotes from a recipe someone shared is shown escaped (`\u001b`), never
 * sent to the terminal as is.
 */
export function formatProblem(problem: RecipeProblem): string {
  const where = `${problem.file}:${problem.line}:${problem.col}`;
  const text = problem.key
    ? `${where} ${problem.key}: ${problem.message}`
    : `${where} ${problem.message}`;
  return text.replace(
    UNPRINTABLE,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Formats a key path from zod/YAML segments: `a.b[0].c`. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += text ? `.${String(segment)}` : String(segment);
  }
  return text;
}

/** Thrown when recipes cannot be used; carries every problem found. */
export class RecipeError extends QubesifyError {
  /** Each problem, in file order. */
  readonly problems: readonly RecipeProblem[];
  /** Wraps the problems; the message lists them one per line. */
  constructor(problems: readonly RecipeProblem[]) {
    super(problems.map(formatProblem).join("\n"));
    this.problems = problems;
  }
}
