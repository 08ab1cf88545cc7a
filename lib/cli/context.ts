/**
 * What commands need from the outside world, injected so tests can capture it.
 *
 * @module
 */
import { currentStatePaths, type StatePaths } from "../state/mod.ts";
import { writeAllSync } from "../io/mod.ts";

/** The I/O and environment a command runs against. */
export interface CliContext {
  /** Writes to standard output (text is written as given, no newline added). */
  out(text: string): void;
  /** Writes to standard error (text is written as given, no newline added). */
  err(text: string): void;
  /** Whether stdout may carry ANSI colour. */
  color: boolean;
  /** Where qubesify keeps its state. */
  paths(): StatePaths;
}

/** The context of the real process: its stdio, environment and TTY. */
export function processContext(): CliContext {
  const encoder = new TextEncoder();
  return {
    out: (text) => writeAllSync(Deno.stdout, encoder.encode(text)),
    err: (text) => writeAllSync(Deno.stderr, encoder.encode(text)),
    color: Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR"),
    paths: currentStatePaths,
  };
}
