/**
 * Where VM-tier tests keep kernels and images between runs, so re-runs and
 * CI only rebuild what changed.
 *
 * @module
 */
import { join } from "node:path";

/** `QUBESIFY_TEST_DATA_DIR`, else `~/.cache/qubesify-tests/data`. */
export function testDataDir(): string {
  const explicit = Deno.env.get("QUBESIFY_TEST_DATA_DIR");
  if (explicit) return explicit;
  const home = Deno.env.get("HOME");
  if (!home) throw new Error("set HOME or QUBESIFY_TEST_DATA_DIR");
  return join(home, ".cache/qubesify-tests/data");
}
