/**
 * Hashing large files (kernel tarballs, template images) without reading
 * them into memory.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** Streams a file through SHA-256 and returns the lowercase hex digest. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}
