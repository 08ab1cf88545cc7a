/**
 * `qubesify kernel build`: from a source tarball to a cached bzImage.
 *
 * Steps: check tools, resolve the source and the cache key, return the
 * cached kernel if there is one; otherwise unpack into a temporary folder
 * under the cache, `make tinyconfig`, merge the fragments, `make
 * olddefconfig`, check that every required option stuck, `make bzImage`,
 * and rename the result into place. Only complete kernels ever appear under
 * their key.
 *
 * @module
 */
import { join } from "node:path";
import { configValues, parseConfig } from "./config_lines.ts";
import { formatUnmet, unmetOptions } from "./config_check.ts";
import { mergeConfig } from "./merge_config.ts";
import {
  DEFAULT_KERNEL_DIR,
  type Fragments,
  readFragments,
} from "./fragments.ts";
import { readPin } from "./pin.ts";
import {
  DISTRO_SOURCE_DIR,
  type KernelSource,
  parseMakefileVersion,
  readTarballVersion,
  resolveSource,
} from "./source.ts";
import { downloadVerified, verifySha256 } from "./download.ts";
import { cacheKey } from "./cache_key.ts";
import {
  buildDirPrefix,
  type CachedKernel,
  findCachedKernel,
  keepBuildAlive,
  type KernelManifest,
  kernelsDir,
  removeStaleBuilds,
  sourcesDir,
} from "./cache.ts";
import { installLines, missingBuildTools } from "./build_tools.ts";
import { KernelBuildAborted, KernelBuildError } from "./errors.ts";
import { createProgress, type Progress, runLogged } from "../exec/mod.ts";

/** What {@linkcode buildKernel} builds and how it reports. */
export interface BuildKernelOptions {
  /** The data directory; kernels go to `<data>/kernels/<key>`. */
  dataDir: string;
  /** A source tarball to build from instead of the default choice. */
  source?: string;
  /**
   * Folder searched for a distro `linux-source-*.tar.xz` when `source` is
   * not given (default `/usr/src`); `null` skips it and uses the pin.
   */
  distroSourceDir?: string | null;
  /** Folder with the `*.config` fragments and `version.json`. */
  kernelDir?: string;
  /** Parallel make jobs (default: number of CPUs). */
  jobs?: number;
  /** PATH searched for the build tools (default: the process's PATH). */
  path?: string;
  /** Receives progress lines for a person (stderr). */
  report: (line: string) => void;
  /** Receives the raw make output as well (`--verbose`). */
  echo?: (bytes: Uint8Array) => void;
  /** Cancels the build: make is stopped and the temporary folder removed. */
  signal?: AbortSignal;
  /** How often the compile step prints a heartbeat (default 30 s). */
  heartbeatMs?: number;
}

/** The outcome of {@linkcode buildKernel}. */
export interface BuiltKernel extends CachedKernel {
  /** Whether the kernel came from the cache without building. */
  cached: boolean;
}

/** Architecture string for make: the guest is always x86_64. */
const ARCH = "x86_64";

/** Lines of build.log shown when a make step fails. */
const LOG_TAIL_LINES = 25;

/**
 * Builds the micro VM kernel, or returns the cached one when the same
 * version, source and fragments were built before. Throws
 * {@linkcode KernelBuildError} for bad input or a failed build and
 * {@linkcode KernelBuildAborted} when `signal` fires.
 */
export async function buildKernel(
  options: BuildKernelOptions,
): Promise<BuiltKernel> {
  if (Deno.build.arch !== "x86_64") {
    throw new KernelBuildError(
      `building the x86_64 guest kernel needs an x86_64 host (this is ${Deno.build.arch})`,
    );
  }
  const kernelDir = options.kernelDir ?? DEFAULT_KERNEL_DIR;
  const [fragments, pin] = await Promise.all([
    readFragments(kernelDir),
    readPin(kernelDir),
  ]);
  await checkTools(options.path ?? Deno.env.get("PATH") ?? "");
  const distroDir = options.distroSourceDir === null
    ? undefined
    : options.distroSourceDir ?? DISTRO_SOURCE_DIR;
  const source = await resolveSource({
    source: options.source,
    distroDir,
    pin,
    downloadDir: sourcesDir(options.dataDir),
  });
  const version = source.kind === "local"
    ? await readTarballVersion(source.tarball)
    : pin.version;
  const key = cacheKey({
    version,
    sourceSha256: source.sha256,
    fragmentSha256: fragments.sha256,
  });
  const cached = await findCachedKernel(options.dataDir, key);
  if (cached) return { ...cached, cached: true };

  const progress = createProgress({ prefix: "kernel", write: options.report });
  options.report(
    `kernel: building ${version} from ${
      source.kind === "download" ? source.url : source.tarball
    } (key ${key})\n`,
  );
  await Deno.mkdir(kernelsDir(options.dataDir), { recursive: true });
  for (const name of await removeStaleBuilds(options.dataDir)) {
    options.report(
      `kernel: removed leftovers of an interrupted build: ${name}\n`,
    );
  }
  if (source.kind === "download") {
    await ensureDownloaded(source, progress, options.signal);
  }
  const workDir = await Deno.makeTempDir({
    dir: kernelsDir(options.dataDir),
    prefix: buildDirPrefix(Deno.pid),
  });
  const stopHeartbeat = await keepBuildAlive(workDir);
  try {
    const jobs = options.jobs ?? navigator.hardwareConcurrency ?? 1;
    const manifest = await buildInto({
      workDir,
      source,
      version,
      key,
      fragments,
      jobs,
      progress,
      options,
    });
    const dir = join(kernelsDir(options.dataDir), key);
    try {
      await Deno.rename(join(workDir, "out"), dir);
    } catch (error) {
      // A build running beside this one finished the same key first.
      const other = await findCachedKernel(options.dataDir, key);
      if (!other) throw error;
      return { ...other, cached: true };
    }
    await Deno.remove(join(kernelsDir(options.dataDir), `failed-${key}.log`))
      .catch(() => {});
    options.report(`kernel: done in ${progress.total()}\n`);
    return { dir, bzImage: join(dir, "bzImage"), manifest, cached: false };
  } finally {
    stopHeartbeat();
    await Deno.remove(workDir, { recursive: true }).catch(() => {});
  }
}

async function checkTools(path: string): Promise<void> {
  const missing = await missingBuildTools({ path });
  if (missing.length === 0) return;
  const lines = installLines(missing);
  throw new KernelBuildError(
    `missing kernel build tools: ${
      missing.map((tool) => tool.name).join(", ")
    }`,
    [`Debian: ${lines.debian}`, `Fedora: ${lines.fedora}`],
  );
}

async function ensureDownloaded(
  source: Extract<KernelSource, { kind: "download" }>,
  progress: Progress,
  signal: AbortSignal | undefined,
): Promise<void> {
  try {
    await verifySha256(source.tarball, source.sha256);
    return;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      // A stale or damaged copy: fetch a fresh one.
      await Deno.remove(source.tarball).catch(() => {});
    }
  }
  progress.phase(`downloading ${source.url}`);
  await Deno.mkdir(join(source.tarball, ".."), { recursive: true });
  try {
    await downloadVerified({
      url: source.url,
      sha256: source.sha256,
      dest: source.tarball,
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw new KernelBuildAborted();
    throw error;
  }
}

interface BuildIntoOptions {
  workDir: string;
  source: KernelSource;
  version: string;
  key: string;
  fragments: Fragments;
  jobs: number;
  progress: Progress;
  options: BuildKernelOptions;
}

/** Builds in `workDir/src` and leaves the finished kernel in `workDir/out`. */
async function buildInto(
  { workDir, source, version, key, fragments, jobs, progress, options }:
    BuildIntoOptions,
): Promise<KernelManifest> {
  const started = performance.now();
  const src = join(workDir, "src");
  const out = join(workDir, "out");
  await Deno.mkdir(src);
  await Deno.mkdir(out);
  const logPath = join(out, "build.log");
  using log = await Deno.open(logPath, { write: true, create: true });
  const step = async (
    what: string,
    program: string,
    args: string[],
    onLine?: (line: string) => void,
  ) => {
    log.writeSync(
      new TextEncoder().encode(`\n$ ${program} ${args.join(" ")}\n`),
    );
    const code = await runLogged({
      program,
      args,
      cwd: src,
      env: BUILD_ENV,
      log,
      echo: options.echo,
      onLine,
      signal: options.signal,
    }).catch((error) => {
      throw options.signal?.aborted ? new KernelBuildAborted() : error;
    });
    if (code !== 0) {
      throw new KernelBuildError(
        `${what} failed (${program} exited with ${code ?? "a signal"})`,
        await failureDetails(logPath, options.dataDir, key),
      );
    }
  };

  progress.phase(`unpacking ${source.tarball}`);
  await step("unpacking the kernel source", "tar", [
    "--extract",
    "--file",
    source.tarball,
    "--strip-components=1",
    "--directory",
    src,
  ]);
  const unpacked = parseMakefileVersion(
    await Deno.readTextFile(join(src, "Makefile")).catch(() => ""),
  );
  if (unpacked !== version) {
    throw new KernelBuildError(
      `${source.tarball} did not unpack to a kernel ${version} tree (found ${
        unpacked ?? "no kernel Makefile"
      })`,
    );
  }

  progress.phase(`configuring: tinyconfig + ${fragments.files.join(", ")}`);
  const make = (target: string[]) => ["ARCH=" + ARCH, ...target];
  await step("make tinyconfig", "make", make(["tinyconfig"]));
  const dotConfig = join(src, ".config");
  await Deno.writeTextFile(
    dotConfig,
    mergeConfig(await Deno.readTextFile(dotConfig), fragments.entries),
  );
  await step("make olddefconfig", "make", make(["olddefconfig"]));
  const finalConfig = await Deno.readTextFile(dotConfig);
  const unmet = unmetOptions(
    fragments.entries,
    configValues(parseConfig(finalConfig, ".config")),
  );
  if (unmet.length > 0) {
    throw new KernelBuildError(
      `${unmet.length} required kernel option(s) did not stick after make olddefconfig (check their dependencies in Kconfig)`,
      formatUnmet(unmet),
    );
  }

  progress.phase(`compiling with ${jobs} job(s)`);
  let compiled = 0;
  const stopHeartbeat = progress.heartbeat(
    options.heartbeatMs ?? 30_000,
    () => `${compiled} files compiled`,
  );
  try {
    await step(
      "make bzImage",
      "make",
      make([`-j${jobs}`, "bzImage"]),
      (line) => {
        if (/^\s+CC\s/.test(line)) compiled++;
      },
    );
  } finally {
    stopHeartbeat();
  }

  progress.phase("installing into the cache");
  await Deno.copyFile(join(src, "arch/x86/boot/bzImage"), join(out, "bzImage"));
  await Deno.writeTextFile(join(out, "config"), finalConfig);
  const manifest: KernelManifest = {
    key,
    version,
    source: {
      kind: source.kind,
      tarball: source.tarball,
      ...(source.kind === "download" ? { url: source.url } : {}),
      sha256: source.sha256,
    },
    fragments: { files: fragments.files, sha256: fragments.sha256 },
    jobs,
    builtAt: new Date().toISOString(),
    buildSeconds: Math.round((performance.now() - started) / 1000),
    bzImageBytes: (await Deno.stat(join(out, "bzImage"))).size,
  };
  await Deno.writeTextFile(
    join(out, "manifest.json"),
    JSON.stringify(manifest, null, 2) + "\n",
  );
  return manifest;
}

/**
 * Build identity baked into the kernel (`uname -v`, /proc/version): the same
 * for every build host, so the image does not reveal who built it.
 */
const BUILD_ENV = {
  KBUILD_BUILD_USER: "qubesify",
  KBUILD_BUILD_HOST: "qubesify",
  LC_ALL: "C",
};

/**
 * Keeps the log of a failed build (the work folder is about to be removed)
 * and returns its last lines plus where the whole log is.
 */
async function failureDetails(
  logPath: string,
  dataDir: string,
  key: string,
): Promise<string[]> {
  const kept = join(kernelsDir(dataDir), `failed-${key}.log`);
  await Deno.copyFile(logPath, kept);
  const lines = (await Deno.readTextFile(kept)).trimEnd().split("\n");
  return [...lines.slice(-LOG_TAIL_LINES), `full log: ${kept}`];
}
