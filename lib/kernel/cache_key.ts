/**
 * The name of a built kernel in the cache, derived from everything that
 * decides what the build produces.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** The inputs a cached kernel is keyed by. */
export interface CacheKeyInputs {
  /** Kernel version from the source's Makefile, e.g. `6.1.192`. */
  version: string;
  /** SHA-256 of the source tarball. */
  sourceSha256: string;
  /** {@linkcode fragmentDigest} of the required options. */
  fragmentSha256: string;
}

/**
 * Bumped when the build steps change in a way that changes the output, so
 * kernels built the old way are not reused.
 */
const BUILD_RECIPE = 1;

/**
 * Returns `<version>-<16 hex digits>`: readable in `ls`, and unique per
 * (version, source, fragment, build recipe).
 */
export function cacheKey(inputs: CacheKeyInputs): string {
  const digest = createHash("sha256").update(JSON.stringify({
    recipe: BUILD_RECIPE,
    version: inputs.version,
    source: inputs.sourceSha256,
    fragment: inputs.fragmentSha256,
  })).digest("hex");
  return `${inputs.version}-${digest.slice(0, 16)}`;
}
