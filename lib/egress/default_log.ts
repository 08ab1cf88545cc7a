/**
 * Where the proxy logs: the default log when neither `--log` nor the
 * policy says, and a recipe's own `log`, kept inside the qubesify folders.
 *
 * @module
 */
import { join } from "node:path";
import type { StatePaths } from "../state/mod.ts";
import { confinePolicyPath } from "./policy_paths.ts";

/** The default request log: `<data>/egress/requests.jsonl`. */
export function defaultEgressLog(paths: StatePaths): string {
  return join(paths.data, "egress", "requests.jsonl");
}

/**
 * The request log of a recipe's proxy policy: its `log` relative to the
 * config folder (or absolute inside the config or data folder), else the
 * default one. Throws `PolicyPathError` when `log` leads elsewhere.
 */
export function recipeEgressLog(
  log: string | undefined,
  paths: StatePaths,
): string {
  if (log === undefined) return defaultEgressLog(paths);
  return confinePolicyPath("log", log, {
    base: paths.config,
    roots: [paths.config, paths.data],
  });
}
