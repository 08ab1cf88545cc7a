/**
 * Downloading a tarball and proving it is the one that was pinned.
 *
 * @module
 */
import { sha256File } from "../fs/mod.ts";
import { createHash } from "node:crypto";
import { KernelBuildError } from "./errors.ts";
import { errorMessage } from "../errors/mod.ts";

/** The bytes on disk are not the ones the pin promises. */
export class HashMismatchError extends KernelBuildError {
  /** Creates the error naming the file and both hashes. */
  constructor(what: string, expected: string, actual: string) {
    super(`SHA-256 mismatch for ${what}: expected ${expected}, got ${actual}`, [
      "the file is corrupt, truncated or not the pinned release; it was not used",
    ]);
    this.name = "HashMismatchError";
  }
}

/** Throws {@linkcode HashMismatchError} unless `path` hashes to `sha256`. */
export async function verifySha256(
  path: string,
  sha256: string,
): Promise<void> {
  const actual = await sha256File(path);
  if (actual !== sha256.toLowerCase()) {
    throw new HashMismatchError(path, sha256, actual);
  }
}

/** What {@linkcode downloadVerified} fetches and where it puts it. */
export interface DownloadOptions {
  /** The URL to fetch. */
  url: string;
  /** Expected SHA-256 of the body. */
  sha256: string;
  /** Final path; it only ever appears there complete and verified. */
  dest: string;
  /** Cancels the transfer. */
  signal?: AbortSignal;
}

/**
 * Downloads `url` to `dest`, hashing while writing. The body goes to a
 * `.part` file that is renamed over `dest` only when the hash matches, and
 * removed otherwise, so a failed or interrupted download leaves nothing.
 */
export async function downloadVerified(
  options: DownloadOptions,
): Promise<void> {
  const part = `${options.dest}.part-${Deno.pid}`;
  try {
    const response = await fetch(options.url, { signal: options.signal });
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new KernelBuildError(
        `downloading ${options.url} failed: HTTP ${response.status} ${response.statusText}`,
      );
    }
    const hash = createHash("sha256");
    const file = await Deno.open(part, {
      write: true,
      create: true,
      truncate: true,
    });
    // pipeTo closes the file when the body ends and when it fails.
    await response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          hash.update(chunk);
          controller.enqueue(chunk);
        },
      }),
    ).pipeTo(file.writable);
    const actual = hash.digest("hex");
    if (actual !== options.sha256.toLowerCase()) {
      throw new HashMismatchError(options.url, options.sha256, actual);
    }
    await Deno.rename(part, options.dest);
  } catch (error) {
    await Deno.remove(part).catch(() => {});
    if (error instanceof KernelBuildError || options.signal?.aborted) {
      throw error;
    }
    throw new KernelBuildError(
      `downloading ${options.url} failed: ${errorMessage(error)}`,
      ["without network, pass a local tarball: qubesify kernel build --source PATH"],
    );
  }
}
