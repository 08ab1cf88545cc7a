/**
 * Finding programs on PATH, the way a shell would.
 *
 * @module
 */
import { delimiter, join } from "node:path";

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
