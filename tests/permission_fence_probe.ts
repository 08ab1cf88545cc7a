/**
 * Test support: `qubesify ARGS` as main.ts runs it (the same parse, host
 * facts, fence and Worker), with a probe in the Worker instead of the
 * command: see permission_fence_probe_worker.ts.
 *
 * @module
 */
import { runFenced } from "../lib/cli/mod.ts";

if (import.meta.main) {
  Deno.exit(
    await runFenced(
      Deno.args,
      new URL("./permission_fence_probe_worker.ts", import.meta.url),
    ),
  );
}
