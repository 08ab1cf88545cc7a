/**
 * Finding programs on PATH, the way a shell would.
 *
 * @module
 */
import { delimiter, join } from "node:path";
import { QubesifyError } from "../errors/mod.ts";

/**
 * Returns the absolute path of `program` found on `path` (a PATH-style list),
 * or `undefined` when no directory holds an executable file of that name.
 */
export async function findExecutable(
  program: string,
  path: string,
): Promise<string | undefined> {
  if (program.includes("/")) {
    return await isExecutableFile(program) ? program : undefined;
  }
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, program);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    const info = await Deno.stat(path);
    return info.isFile && info.mode !== null && (info.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** A program qubesify needs is not on PATH. */
export class MissingProgramError extends QubesifyError {}

/**
 * {@linkcode findExecutable} for a program that must be there: throws a
 * {@linkcode MissingProgramError} that names what needs it and where the
 * install line is.
 *
 * @example
 * ```ts
 * import { requireExecutable } from "./which.ts";
 * const qemu = await requireExecutable("qemu-system-x86_64", {
 *   path: Deno.env.get("PATH") ?? "",
 *   neededBy: "run",
 * });
 * ```
 */
export async function requireExecutable(
  program: string,
  options: { path: string; neededBy: string },
): Promise<string> {
  const found = await findExecutable(program, options.path);
  if (found) return found;
  throw new MissingProgramError(
    `${options.neededBy} needs ${program}, which is not on PATH; ` +
      "run `qubesify doctor` for the install line",
  );
}
