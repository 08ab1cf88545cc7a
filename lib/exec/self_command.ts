/**
 * How to start this same qubesify again (for systemd units and desktop
 * entries): the compiled binary itself, or Deno running main.ts with the
 * orchestrator's permission set.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** argv that starts qubesify; arguments are appended by the caller. */
export function selfCommand(): string[] {
  if (Deno.build.standalone) return [Deno.execPath()];
  const root = dirname(
    fileURLToPath(new URL("../../main.ts", import.meta.url)),
  );
  return [
    Deno.execPath(),
    "run",
    "--quiet",
    "-P=qubesify",
    `--config=${join(root, "deno.json")}`,
    join(root, "main.ts"),
  ];
}
