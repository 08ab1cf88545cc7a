/**
 * The files qubesify puts into every template image: the guest init and
 * the network identity files that must never come from the build host.
 *
 * @module
 */
import { dirname, join } from "node:path";
import type { TemplateRecipe } from "../recipe/mod.ts";
import { GUEST_INIT } from "../guest/mod.ts";

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

/**
 * Writes `files` under `stageDir` and packs them into `tarball` (owned by
 * root, file entries only, so unpacking never changes existing folders).
 */
export async function packGuestFiles(
  options: { files: readonly GuestFile[]; stageDir: string; tarball: string },
): Promise<void> {
  const members: string[] = [];
  for (const file of options.files) {
    const relative = file.path.replace(/^\/+/, "");
    const target = join(options.stageDir, relative);
    await Deno.mkdir(dirname(target), { recursive: true });
    await Deno.writeTextFile(target, file.content);
    await Deno.chmod(target, file.mode);
    members.push(relative);
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
    throw new Error(
      `tar could not pack the guest files: ${
        new TextDecoder().decode(tar.stderr).trim()
      }`,
    );
  }
}
