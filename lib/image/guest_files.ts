/**
 * The files qubesify puts into every template image: the guest init and
 * the network identity files that must never come from the build host.
 *
 * @module
 */
import { join } from "node:path";
import { guestPathProblem, type TemplateRecipe } from "../recipe/mod.ts";
import { GUEST_INIT } from "../guest/mod.ts";
import { QubesifyError } from "../errors/mod.ts";

/** One file to place in the image. */
export interface GuestFile {
  /** Absolute path inside the image. */
  path: string;
  /** Its content. */
  content: string;
  /** Permission bits. */
  mode: number;
}

/**
 * Everything placed into the image for `template`: the init, our
 * resolv.conf (QEMU user networking's DNS; other network modes override it
 * at boot), hostname and hosts, then the template's own files.
 */
export function guestFiles(
  template: TemplateRecipe,
  init: string,
): GuestFile[] {
  return [
    { path: GUEST_INIT, content: init, mode: 0o755 },
    {
      path: "/etc/resolv.conf",
      content:
        "# Written by qubesify, not copied from the build host.\nnameserver 10.0.2.3\n",
      mode: 0o644,
    },
    { path: "/etc/hostname", content: "qubesify\n", mode: 0o644 },
    {
      path: "/etc/hosts",
      content:
        "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n",
      mode: 0o644,
    },
    ...template.files.map((file) => ({
      path: file.path,
      content: file.content,
      mode: parseInt(file.mode, 8),
    })),
  ];
}

/** A guest file that cannot be staged; the message says which and why. */
export class GuestFileError extends QubesifyError {}

/**
 * Writes `files` under `stageDir` and packs them into `tarball` (owned by
 * root, file entries only, so unpacking never changes existing folders).
 *
 * Each path is checked again here, whoever made the list: it must be a
 * normal absolute path ({@linkcode guestPathProblem}), its permission bits
 * no more than `0777`, and nothing on the way may be a symbolic link, so
 * every write lands inside `stageDir`.
 */
export async function packGuestFiles(
  options: { files: readonly GuestFile[]; stageDir: string; tarball: string },
): Promise<void> {
  await Deno.mkdir(options.stageDir, { recursive: true });
  const members = new Set<string>();
  for (const file of options.files) {
    members.add(await stageFile(options.stageDir, file));
  }
  const tar = await new Deno.Command("tar", {
    args: [
      "--create",
      "--file",
      options.tarball,
      "--owner=0",
      "--group=0",
      "--numeric-owner",
      "--no-recursion",
      "--directory",
      options.stageDir,
      "--",
      ...members,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!tar.success) {
    throw new GuestFileError(
      `tar could not pack the guest files: ${
        new TextDecoder().decode(tar.stderr).trim()
      }`,
    );
  }
}

/**
 * Writes one file under `stageDir`, creating its folders one by one and
 * refusing any that exists as something else than a folder (a symbolic
 * link above all); the file itself is created anew, never through a link.
 * Returns its path relative to `stageDir`.
 */
async function stageFile(stageDir: string, file: GuestFile): Promise<string> {
  const shown = JSON.stringify(file.path);
  const problem = guestPathProblem(file.path);
  if (problem) throw new GuestFileError(`guest file ${shown}: ${problem}`);
  if (!Number.isInteger(file.mode) || file.mode < 0 || file.mode > 0o777) {
    throw new GuestFileError(
      `guest file ${shown}: expected permission bits up to 0777, got 0${
        file.mode.toString(8)
      } (no setuid, setgid or sticky bits)`,
    );
  }
  const segments = file.path.slice(1).split("/");
  let at = stageDir;
  for (const segment of segments.slice(0, -1)) {
    at = join(at, segment);
    const info = await lstatOrUndefined(at);
    if (!info) await Deno.mkdir(at);
    else if (!info.isDirectory || info.isSymlink) {
      throw new GuestFileError(
        `guest file ${shown}: ${at} is not a folder (a link or a file), so writing through it could leave ${stageDir}`,
      );
    }
  }
  const target = join(at, segments[segments.length - 1]);
  const existing = await lstatOrUndefined(target);
  if (existing && !existing.isFile) {
    throw new GuestFileError(
      `guest file ${shown}: ${target} exists and is not a plain file`,
    );
  }
  // A later entry for the same path replaces the earlier one.
  if (existing) await Deno.remove(target);
  await Deno.writeTextFile(target, file.content, {
    createNew: true,
    mode: 0o600,
  });
  await Deno.chmod(target, file.mode);
  return segments.join("/");
}

async function lstatOrUndefined(path: string) {
  try {
    return await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}
