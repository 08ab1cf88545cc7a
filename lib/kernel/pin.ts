/**
 * The kernel.org release qubesify builds when no local source is given.
 *
 * @module
 */
import { join } from "node:path";
import { z } from "zod";
import { errorMessage } from "../errors/mod.ts";

/** A kernel.org tarball pinned by version and hash. */
export interface KernelPin {
  /** Kernel version, e.g. `6.1.129`. */
  version: string;
  /** Where to download the tarball. */
  url: string;
  /** Expected SHA-256 of the tarball, lowercase hex. */
  sha256: string;
}

const PIN_SCHEMA = z.object({
  version: z.string().regex(/^\d+\.\d+(\.\d+)?$/),
  url: z.url({ protocol: /^https$/ }),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** Validates the contents of `version.json`; `file` names it in errors. */
export function parsePin(text: string, file = "version.json"): KernelPin {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not JSON: ${errorMessage(error)}`);
  }
  const result = PIN_SCHEMA.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`${file}: ${issue.path.join(".")}: ${issue.message}`);
  }
  return result.data;
}

/** Reads `version.json` from a kernel folder. */
export async function readPin(kernelDir: string): Promise<KernelPin> {
  const file = join(kernelDir, "version.json");
  return parsePin(await Deno.readTextFile(file), file);
}
