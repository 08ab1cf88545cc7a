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

/** Formats a problem as `file:line:col key: message`. */
export function formatProblem(problem: RecipeProblem): string {
  const where = `${problem.file}:${problem.line}:${problem.col}`;
  return problem.key
    ? `${where} ${problem.key}: ${problem.message}`
    : `${where} ${problem.message}`;
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
