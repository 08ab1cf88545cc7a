/**
 * The inputs of an image build and their hash: equal inputs, equal hash.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { GuestFile } from "./guest_files.ts";
import type { BuildMode } from "./mmdebstrap_args.ts";

/** Bumped when the way images are built changes. */
const BUILD_RECIPE_VERSION = 2;

/** What decides an image's content. */
export interface ImageInputs {
  /** Debian suite. */
  suite: string;
  /** Debian mirror. */
  mirror: string;
  /** The template's packages. */
  packages: readonly string[];
  /** Packages the guest contract adds. */
  guestPackages: readonly string[];
  /** Files we place into the image. */
  files: readonly GuestFile[];
  /** Root or rootless build. */
  mode: BuildMode;
}

/** sha256 (hex) of the inputs, independent of package order. */
export function inputHash(inputs: ImageInputs): string {
  const canonical = JSON.stringify({
    version: BUILD_RECIPE_VERSION,
    suite: inputs.suite,
    mirror: inputs.mirror,
    packages: [...new Set(inputs.packages)].sort(),
    guestPackages: [...new Set(inputs.guestPackages)].sort(),
    files: [...inputs.files].sort((a, b) => a.path.localeCompare(b.path)).map(
      (file) => [file.path, file.mode, file.content],
    ),
    mode: inputs.mode,
  });
  return createHash("sha256").update(canonical).digest("hex");
}
