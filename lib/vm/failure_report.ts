/**
 * What to tell a person when a VM ended without the app's exit status.
 *
 * @module
 */
import type { RunAppResult } from "./run_app.ts";
import { createSanitizer } from "./sanitize.ts";

/**
 * Why the VM ended without reporting the app's status, with the last lines
 * of its console (guest bytes, sanitised for the terminal).
 */
export function describeFailure(result: RunAppResult): string {
  const why = result.report.kind === "fail"
    ? `the guest could not start the app: ${result.report.reason}`
    : `the VM ended without reporting (${
      result.qemuStderr || "see the console below"
    })`;
  const tail = createSanitizer()(new TextEncoder().encode(result.serialTail));
  return `${result.name}: ${why}\n--- console ---\n${tail}`;
}
