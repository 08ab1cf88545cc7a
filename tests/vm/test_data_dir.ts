/**
 * Where VM-tier tests keep kernels and images between runs, so re-runs and
 * CI only rebuild what changed, and the guest kernel they all boot.
 *
 * @module
 */
import { join } from "node:path";
import { buildKernel, type BuiltKernel } from "../../lib/kernel/mod.ts";

/** The kernel source VM tests build from (Debian: linux-source-6.1). */
export const KERNEL_SOURCE = "/usr/src/linux-source-6.1.tar.xz";

/** `QUBESIFY_TEST_DATA_DIR`, else `~/.cache/qubesify-tests/data`. */
export function testDataDir(): string {
  const explicit = Deno.env.get("QUBESIFY_TEST_DATA_DIR");
  if (explicit) return explicit;
  const home = Deno.env.get("HOME");
  if (!home) throw new Error("set HOME or QUBESIFY_TEST_DATA_DIR");
  return join(home, ".cache/qubesify-tests/data");
}

/**
 * The guest kernel built from {@linkcode KERNEL_SOURCE} into
 * {@linkcode testDataDir}, as `qubesify kernel build` builds it: the first
 * test to ask builds it (progress on stderr), the others find it cached.
 */
export async function testKernel(): Promise<BuiltKernel> {
  return await buildKernel({
    dataDir: testDataDir(),
    source: KERNEL_SOURCE,
    report: (line) => console.error(line.trimEnd()),
  });
}
