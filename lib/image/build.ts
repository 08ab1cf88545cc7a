/**
 * `qubesify image build`: a template image from scratch, every time.
 *
 * mmdebstrap builds the root filesystem (root mode: a directory; rootless:
 * a tarball), our guest files are unpacked over it, mke2fs turns it into a
 * raw ext4 image, resize2fs shrinks the image to its content, and only then
 * does the image appear under its version with its manifest, and become
 * `current`. A failed or interrupted build leaves no image behind.
 *
 * @module
 */
import { sha256File } from "../fs/mod.ts";
import { join } from "node:path";
import {
  capture,
  compareVersions,
  createProgress,
  findExecutable,
  findVersion,
  isProcessAlive,
  runLogged,
} from "../exec/mod.ts";
import type { TemplateRecipe } from "../recipe/mod.ts";
import { installedPackages } from "./dpkg_status.ts";
import {
  initialImageBytes,
  measureTree,
  MKE2FS_READS_TARBALLS,
  mke2fsArgs,
  parseResizedBytes,
  shrinkArgs,
  type TreeSize,
} from "./ext4.ts";
import { guestFiles, packGuestFiles } from "./guest_files.ts";
import { readGuestInit } from "../guest/mod.ts";
import { inputHash } from "./inputs.ts";
import {
  type BuildMode,
  guestContractPackages,
  mmdebstrapArgs,
} from "./mmdebstrap_args.ts";
import {
  findCurrentImage,
  type ImageManifest,
  imageVersion,
  setCurrent,
  type StoredImage,
  templateImagesDir,
} from "./store.ts";
import { QubesifyError } from "../errors/mod.ts";

/** A build that failed; the message says why and where the log is. */
export class ImageBuildError extends QubesifyError {
  /** Wraps a one-line reason. */
  constructor(message: string) {
    super(message);
  }
}

/** What {@linkcode buildImage} builds and how it reports. */
export interface BuildImageOptions {
  /** The data directory; images go to `<data>/images/<template>/`. */
  dataDir: string;
  /** The template to build. */
  template: TemplateRecipe;
  /** Whether apps of this template show windows or play sound. */
  uses: { display: boolean; audio: boolean };
  /** Receives progress lines for a person (stderr). */
  report: (line: string) => void;
  /** Receives the raw mmdebstrap output as well (`--verbose`). */
  echo?: (bytes: Uint8Array) => void;
  /** Cancels the build: mmdebstrap is stopped and nothing is kept. */
  signal?: AbortSignal;
  /** The user's uid: root builds directly, others through user namespaces. */
  uid: number;
  /** PATH searched for the tools. */
  path: string;
  /** The build's timestamp; injectable for tests. */
  now?: () => Date;
  /** How often a long phase prints a heartbeat (default 30 s). */
  heartbeatMs?: number;
  /**
   * Whether the new image becomes `current` at once (default). A scheduled
   * rebuild promotes it only after a smoke test.
   */
  makeCurrent?: boolean;
}

const TOOLS = ["mmdebstrap", "mke2fs", "resize2fs", "e2fsck", "tar"];

/** Builds the template's image and makes it current. */
export async function buildImage(
  options: BuildImageOptions,
): Promise<StoredImage> {
  const started = performance.now();
  const progress = createProgress({
    prefix: `image ${options.template.name}`,
    write: options.report,
  });
  const tools = await findTools(options.path);
  const mode: BuildMode = options.uid === 0 ? "root" : "unshare";
  if (mode === "unshare") await requireTarballMke2fs(tools.mke2fs);

  const template = options.template;
  const { guestPackages, files, hash } = await planImage({ ...options, mode });
  const dir = templateImagesDir(options.dataDir, template.name);
  await Deno.mkdir(dir, { recursive: true });
  await removeStaleBuilds(dir);
  const buildDir = join(dir, `.build-${Deno.pid}-${crypto.randomUUID()}`);
  await Deno.mkdir(buildDir);
  // mmdebstrap splits hook arguments on spaces, so its files live in a
  // temporary folder whose path has none.
  const scratch = await Deno.makeTempDir({ prefix: "qubesify-image-" });
  const logPath = join(buildDir, "build.log");
  const log = await Deno.open(logPath, { write: true, create: true });
  try {
    progress.phase("packing guest files");
    const guestTar = join(scratch, "guest.tar");
    await packGuestFiles({
      files,
      stageDir: join(scratch, "stage"),
      tarball: guestTar,
    });
    await Deno.mkdir(join(scratch, "status"));

    const rootfs = join(buildDir, mode === "root" ? "rootfs" : "rootfs.tar");
    if (mode === "root") await Deno.mkdir(rootfs);
    // The first error line names the cause; later ones only say what failed.
    let firstError = "";
    const stopHeartbeat = progress.heartbeat(options.heartbeatMs ?? 30_000);
    let code: number | null;
    try {
      code = await runLogged({
        program: tools.mmdebstrap,
        args: mmdebstrapArgs({
          suite: template.suite,
          mirror: template.mirror,
          packages: [...template.packages, ...guestPackages],
          mode,
          output: rootfs,
          guestFiles: guestTar,
          statusOut: join(scratch, "status"),
        }),
        log,
        echo: options.echo,
        signal: options.signal,
        onLine: (line) => {
          if (line.startsWith("I: ")) {
            progress.phase(line.slice(3).replace(/\.\.\.$/, ""));
          } else if (line.startsWith("E: ") && !firstError) {
            firstError = line.slice(3);
          }
        },
      });
    } finally {
      stopHeartbeat();
    }
    if (code !== 0) {
      throw new ImageBuildError(
        `mmdebstrap failed: ${firstError || `exit status ${code}`}`,
      );
    }
    const packages = installedPackages(
      await Deno.readTextFile(join(scratch, "status", "status")),
    );

    progress.phase("creating the ext4 image");
    const tree: TreeSize = mode === "root" ? await measureTree(rootfs) : {
      blockBytes: (await Deno.stat(rootfs)).size,
      inodes: packages.length * 200,
    };
    const image = join(buildDir, "image.img");
    await tool(
      tools.mke2fs,
      mke2fsArgs({
        source: rootfs,
        image,
        bytes: initialImageBytes(tree),
        label: template.name.slice(0, 16),
      }),
      log,
    );
    progress.phase("shrinking the image to its content");
    const resized = parseResizedBytes(
      await tool(tools.resize2fs, shrinkArgs(image), log),
    );
    if (resized === undefined) {
      throw new ImageBuildError("resize2fs did not report the new size");
    }
    await tool(tools.e2fsck, ["-f", "-n", image], log);
    await Deno.remove(rootfs, { recursive: true });

    progress.phase("hashing");
    const size = (await Deno.stat(image)).size;
    const builtAt = (options.now ?? (() => new Date()))();
    const version = imageVersion(builtAt, hash);
    const manifest: ImageManifest = {
      template: template.name,
      version,
      inputHash: hash,
      inputs: {
        suite: template.suite,
        mirror: template.mirror,
        packages: [...template.packages],
        guestPackages,
        files: files.map((file) => file.path),
        mode,
      },
      packages,
      sizeBytes: size,
      sha256: await sha256File(image),
      builtAt: builtAt.toISOString(),
      buildSeconds: Math.round((performance.now() - started) / 1000),
    };
    const finalImage = join(dir, `${version}.img`);
    await Deno.writeTextFile(
      join(buildDir, "manifest.json"),
      `${JSON.stringify(manifest, null, 2)}\n`,
    );
    log.close();
    // The image moves last: a manifest without its image is never listed.
    await Deno.rename(logPath, join(dir, `${version}.log`));
    await Deno.rename(
      join(buildDir, "manifest.json"),
      join(dir, `${version}.json`),
    );
    await Deno.rename(image, finalImage);
    const current = options.makeCurrent ?? true;
    if (current) await setCurrent(dir, version);
    options.report(`image ${template.name}: built in ${progress.total()}\n`);
    return { path: finalImage, current, manifest };
  } catch (error) {
    try {
      log.close();
    } catch {
      // Closed before the final moves.
    }
    const kept = join(dir, "last-failed-build.log");
    await Deno.rename(logPath, kept).catch(() => {});
    if (error instanceof ImageBuildError) {
      throw new ImageBuildError(`${error.message} (full log: ${kept})`);
    }
    throw error;
  } finally {
    await Deno.remove(buildDir, { recursive: true }).catch(() => {});
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
  }
}

/** What a build of the template would put in, and the hash of it. */
export async function planImage(
  options: Pick<BuildImageOptions, "template" | "uses"> & { mode: BuildMode },
) {
  const { template, uses, mode } = options;
  const guestPackages = guestContractPackages(uses);
  const files = guestFiles(template, await readGuestInit());
  const hash = inputHash({
    suite: template.suite,
    mirror: template.mirror,
    packages: template.packages,
    guestPackages,
    files,
    mode,
  });
  return { guestPackages, files, hash };
}

/**
 * The template's current image when it was built from the same inputs as
 * a build now would use (same packages, same guest files); otherwise a new
 * build. Updating qubesify thus rebuilds images whose guest side changed.
 */
export async function ensureImage(
  options: BuildImageOptions,
): Promise<{ image: StoredImage; built: boolean }> {
  const mode: BuildMode = options.uid === 0 ? "root" : "unshare";
  const { hash } = await planImage({ ...options, mode });
  const current = await findCurrentImage(
    options.dataDir,
    options.template.name,
  );
  if (current?.manifest.inputHash === hash) {
    return { image: current, built: false };
  }
  return { image: await buildImage(options), built: true };
}

async function findTools(path: string): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of TOOLS) {
    const location = await findExecutable(name, path);
    if (location) found[name] = location;
    else missing.push(name);
  }
  if (missing.length) {
    throw new ImageBuildError(
      `image builds need ${missing.join(", ")}: install them with ` +
        `\`sudo apt install mmdebstrap e2fsprogs tar\` (Debian) or ` +
        `\`sudo rpm-ostree install mmdebstrap e2fsprogs tar\` (Fedora Silverblue)`,
    );
  }
  return found;
}

async function requireTarballMke2fs(mke2fs: string): Promise<void> {
  const said = await capture({
    program: mke2fs,
    args: ["-V"],
    timeoutMs: 10_000,
  });
  const version = findVersion(said.stdout + said.stderr, "mke2fs");
  if (!version || compareVersions(version, MKE2FS_READS_TARBALLS) < 0) {
    throw new ImageBuildError(
      `rootless image builds need mke2fs from e2fsprogs 1.47.1 or newer, which reads ` +
        `a tarball for -d (found ${
          version?.join(".") ?? "an unknown version"
        }); ` +
        `build as root or install a newer e2fsprogs`,
    );
  }
}

/** Runs a short tool with its output in the build log; fails on non-zero exit. */
async function tool(
  program: string,
  args: string[],
  log: Deno.FsFile,
): Promise<string> {
  const result = await capture({ program, args });
  const output = result.stdout + result.stderr;
  await log.write(
    new TextEncoder().encode(`$ ${program} ${args.join(" ")}\n${output}`),
  );
  if (result.code !== 0) {
    const reason = output.trim().split("\n").at(-1) ?? "";
    throw new ImageBuildError(
      `${program} failed: ${reason || `exit status ${result.code}`}`,
    );
  }
  return output;
}

/** Removes `.build-<pid>-…` folders whose build process is gone. */
async function removeStaleBuilds(dir: string): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    const pid = /^\.build-(\d+)-/.exec(entry.name)?.[1];
    if (!pid || !entry.isDirectory) continue;
    if (!await isProcessAlive(Number(pid))) {
      await Deno.remove(join(dir, entry.name), { recursive: true });
    }
  }
}
