/**
 * Where the standalone proxy logs when neither `--log` nor the policy says.
 *
 * @module
 */
import { join } from "node:path";
import type { StatePaths } from "../state/mod.ts";

/** The default request log: `<data>/egress/requests.jsonl`. */
export function defaultEgressLog(paths: StatePaths): string {
  return join(paths.data, "egress", "requests.jsonl");
}
