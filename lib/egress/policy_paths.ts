/**
 * Keeping the files a policy names inside the folders they belong in. A
 * recipe (or policy file) may come from someone else, and the proxy reads
 * its block lists and hosts file and appends to its log: a path that
 * climbs out (`..`, an absolute path elsewhere, a symbolic link) would let
 * that file read or grow any file the user can write. The schema refuses
 * `..` where the recipe is read; here the resolved path is checked again
 * where it is used, lexically and after symbolic links.
 *
 * @module
 */
import { join, relative, resolve } from "node:path";
import { QubesifyError } from "../errors/mod.ts";

/** A path a policy names lies outside the folders it may use. */
export class PolicyPathError extends QubesifyError {}

/** Where a policy's relative paths start and which folders they may reach. */
export interface PolicyPlace {
  /** The folder relative paths are taken from. */
  base: string;
  /** The folders a path must end up in (the base among them, usually). */
  roots: readonly string[];
}

/**
 * The absolute form of `path` (the policy's `key`), resolved against the
 * place's base; throws {@linkcode PolicyPathError} when it, or what its
 * symbolic links lead to, is outside every root.
 *
 * @example
 * ```ts
 * import { confinePolicyPath } from "./policy_paths.ts";
 * const path = confinePolicyPath("blocklists", "lists/ads.txt", {
 *   base: "/home/me/.config/qubesify",
 *   roots: ["/home/me/.config/qubesify"],
 * });
 * ```
 */
export function confinePolicyPath(
  key: string,
  path: string,
  place: PolicyPlace,
): string {
  const roots = place.roots.map((root) => resolve(root));
  const where = roots.join(" or ");
  if (path.split("/").includes("..")) {
    throw new PolicyPathError(
      `${key}: ${path} may not contain .. segments (keep it inside ${where})`,
    );
  }
  const absolute = resolve(place.base, path);
  if (!roots.some((root) => isInside(absolute, root))) {
    throw new PolicyPathError(
      `${key}: ${path} is outside ${where}; use a path inside, like blocklists/ads.txt`,
    );
  }
  const real = realPath(absolute);
  if (real === undefined) {
    throw new PolicyPathError(
      `${key}: ${path} is a symbolic link to nothing; name the file itself`,
    );
  }
  if (!roots.some((root) => isInside(real, realPath(root) ?? root))) {
    throw new PolicyPathError(
      `${key}: ${path} leads to ${real} through a symbolic link, outside ${where}`,
    );
  }
  return absolute;
}

function isInside(path: string, root: string): boolean {
  const rest = relative(root, path);
  return rest === "" ||
    (rest !== ".." && !rest.startsWith("../") && !rest.startsWith("/"));
}

/**
 * `path` with its symbolic links resolved, as far as it exists; the part
 * that does not exist yet (a log not yet written) is kept as it is.
 * Undefined when a link on the way leads nowhere: where it points is
 * where a file would be created.
 */
function realPath(path: string): string | undefined {
  let existing = path;
  const missing: string[] = [];
  while (true) {
    try {
      return join(Deno.realPathSync(existing), ...missing.reverse());
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      if (isLink(existing)) return undefined;
      const parent = resolve(existing, "..");
      if (parent === existing) return path;
      missing.push(relative(parent, existing));
      existing = parent;
    }
  }
}

function isLink(path: string): boolean {
  try {
    return Deno.lstatSync(path).isSymlink;
  } catch {
    return false;
  }
}
