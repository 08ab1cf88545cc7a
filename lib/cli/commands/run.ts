import { Command, Option } from "@commander-js/extra-typings";
import type { CliContext } from "../context.ts";
import { CliError } from "../errors.ts";
import { withInterruption } from "../../exec/mod.ts";
import {
  type AppRecipe,
  loadCatalog,
  resolveApp,
  shippedRecipeDirectory,
  type TemplateRecipe,
  type TemplateUses,
  templateUses,
  userRecipeDirectory,
} from "../../recipe/mod.ts";
import {
  buildKernel,
  KernelBuildError,
  listKernels,
} from "../../kernel/mod.ts";
import {
  ensureImage,
  findCurrentImage,
  ImageBuildError,
} from "../../image/mod.ts";
import { BackgroundStartError, findExecutable } from "../../exec/mod.ts";
import {
  chooseAccel,
  claimCid,
  claimFirstFree,
  claimHomeDisk,
  createSanitizer,
  DEFAULT_HUGETLBFS_DIR,
  findHugetlbfsDir,
  HugepagesUnavailableError,
  NoWaylandSessionError,
  runApp,
  type RunAppResult,
  type VmNetwork,
} from "../../vm/mod.ts";
import { localDispatcherRunning } from "../../relay/mod.ts";
import { deviceExists, TAP_NETWORK, tapDevice } from "../../net/mod.ts";
import { join, resolve } from "node:path";
import { defaultEgressLog } from "../../egress/mod.ts";
import { selfCommandByName } from "../self_command.ts";
import { deviceAccess } from "../../fs/mod.ts";

/** `qubesify run <app> [-- args]`: start an app in a disposable micro VM. */
export function runCommand(context: CliContext) {
  return new Command("run")
    .description(
      "Start <app> in a new disposable micro VM and wait until it exits; " +
        "the exit status is the app's. Ctrl-C stops the app, then the VM.",
    )
    .argument("<app>", "app recipe name (see `qubesify recipe ls`)")
    .argument("[args...]", "arguments passed to the app (put them after --)")
    .option("--no-build", "fail instead of building a missing kernel or image")
    .option("--hugepages", "back the template disk with hugetlbfs")
    .addOption(
      new Option("--vsock <mode>", "vsock backend").choices(
        ["auto", "kernel", "user"] as const,
      ).default("auto" as const),
    )
    .addHelpText(
      "after",
      "\nExamples:\n  qubesify run smoke -- 3\n  qubesify run firefox -- https://example.org\n",
    )
    .action(async (appName, args, options) => {
      const paths = context.paths();
      const catalog = await loadCatalog([
        shippedRecipeDirectory(),
        userRecipeDirectory(paths.config),
      ]);
      let resolved: { app: AppRecipe; template: TemplateRecipe };
      try {
        resolved = resolveApp(catalog, appName);
      } catch (error) {
        throw new CliError(`qubesify run: ${(error as Error).message}`, 2);
      }
      const { app, template } = resolved;
      const vsockKind = await chooseVsock(app, options.vsock);
      // Before building anything: an app with windows needs a session.
      if (app.display === "wayland" && !Deno.env.get("WAYLAND_DISPLAY")) {
        throw new CliError(
          `qubesify run: ${
            new NoWaylandSessionError("WAYLAND_DISPLAY is not set").message
          }`,
        );
      }
      const path = Deno.env.get("PATH") ?? "/usr/bin:/bin";
      const qemu = await findExecutable("qemu-system-x86_64", path);
      if (!qemu) {
        throw new CliError(
          "qubesify run: qemu-system-x86_64 not found; run `qubesify doctor` for the install line",
        );
      }
      const exitStatus = await withInterruption(async (signal) => {
        const { kernel, image } = await artefacts({
          build: options.build,
          dataDir: paths.data,
          template,
          uses: templateUses(catalog, template.name),
          path,
          report: context.err,
          signal,
        });
        const accel = await chooseAccel({ qemu });
        if (accel.warning) context.err(`warning: ${accel.warning}\n`);
        const sanitize = createSanitizer();
        const network = await claimNetwork(app, paths.runtime);
        const cid = vsockKind === "kernel"
          ? await claimCid({
            dir: join(paths.runtime, CLAIMS, "cids"),
            pid: Deno.pid,
          })
            .catch(async (error) => {
              await network.release();
              throw error;
            })
          : undefined;
        const home = app.persist === "home"
          ? await claimHome(app, paths, path).catch(async (error) => {
            await network.release();
            await cid?.release();
            throw error;
          })
          : undefined;
        const result = await runApp({
          app,
          args,
          qemu,
          kernel,
          image,
          accel: accel.accel,
          network: network.network,
          homeDisk: home?.path,
          vsock: cid
            ? {
              kind: "kernel",
              cid: cid.cid,
              ensureDispatcher: () => startLocalDispatcher(paths.runtime),
            }
            : vsockKind === "user"
            ? { kind: "user" }
            : undefined,
          session: {
            waypipe: await findExecutable("waypipe", path),
            env: {
              WAYLAND_DISPLAY: Deno.env.get("WAYLAND_DISPLAY"),
              XDG_RUNTIME_DIR: Deno.env.get("XDG_RUNTIME_DIR"),
              PULSE_SERVER: Deno.env.get("PULSE_SERVER"),
            },
            warn: (line) => context.err(`warning: ${line}\n`),
          },
          egress: app.network.mode === "proxy" && app.network.proxy
            ? {
              policy: app.network.proxy,
              baseDir: paths.config,
              log: app.network.proxy.log
                ? resolve(paths.config, app.network.proxy.log)
                : defaultEgressLog(paths),
            }
            : undefined,
          runtimeDir: paths.runtime,
          signal,
          onAppOutput: (bytes) => context.out(sanitize(bytes)),
          hugepages: options.hugepages
            ? { dir: await findHugetlbfsDir() ?? DEFAULT_HUGETLBFS_DIR }
            : undefined,
        }).catch(asCliError).finally(async () => {
          await network.release();
          await cid?.release();
          await home?.release();
        });
        if (result.report.kind === "exit") return result.report.status;
        throw new CliError(failureMessage(result));
      });
      if (exitStatus !== 0) throw new CliError("", exitStatus);
    });
}

/**
 * The kernel and the template image: built when missing or outdated, or,
 * with --no-build, whatever was built last.
 */
async function artefacts(options: {
  build: boolean;
  dataDir: string;
  template: TemplateRecipe;
  uses: TemplateUses;
  path: string;
  report: (line: string) => void;
  signal: AbortSignal;
}): Promise<{ kernel: string; image: string }> {
  const { dataDir, template } = options;
  const kernel = options.build
    ? (await buildKernel({
      dataDir,
      report: options.report,
      signal: options.signal,
    })
      .catch(asCliError)).bzImage
    : (await listKernels(dataDir))
      .sort((a, b) => b.manifest.builtAt.localeCompare(a.manifest.builtAt))[0]
      ?.bzImage;
  const image = options.build
    ? (await ensureImage({
      dataDir,
      template,
      uses: options.uses,
      report: options.report,
      signal: options.signal,
      uid: Deno.uid() ?? 0,
      path: options.path,
    }).catch(asCliError)).image.path
    : (await findCurrentImage(dataDir, template.name))?.path;
  if (!kernel || !image) {
    throw new CliError(
      `qubesify run: no ${
        kernel ? `image of template ${template.name}` : "kernel"
      } ` +
        "is built and --no-build was given; run `qubesify build` first",
    );
  }
  return { kernel, image };
}

/** Why a VM ended without the app's exit status, with its last console lines. */
function failureMessage(result: RunAppResult): string {
  const why = result.report.kind === "fail"
    ? `the guest could not start the app: ${result.report.reason}`
    : `the VM ended without reporting (${
      result.qemuStderr || "see the console below"
    })`;
  const tail = createSanitizer()(new TextEncoder().encode(result.serialTail));
  return `qubesify run: ${result.name}: ${why}\n--- console ---\n${tail}`;
}

/** The app's home disk (`persist: home`), made on first use. */
async function claimHome(
  app: AppRecipe,
  paths: { data: string; runtime: string },
  path: string,
) {
  const mke2fs = await findExecutable("mke2fs", path);
  if (!mke2fs) {
    throw new CliError(
      "qubesify run: persist: home needs mke2fs; run `qubesify doctor` for the install line",
    );
  }
  try {
    return await claimHomeDisk({
      app: app.name,
      dataDir: paths.data,
      claimsDir: join(paths.runtime, CLAIMS),
      mke2fs,
    });
  } catch (error) {
    throw new CliError(`qubesify run: ${(error as Error).message}`);
  }
}

/**
 * The VM's network; for `tap`, a free pre-created TAP device (the recipe's
 * own, or the first free `qs-tapN`), held until the VM ends.
 */
async function claimNetwork(
  app: AppRecipe,
  runtimeDir: string,
): Promise<{ network: VmNetwork; release: () => Promise<void> }> {
  const none = async () => {};
  if (app.network.mode === "user") {
    return { network: { mode: "user" }, release: none };
  }
  if (app.network.mode !== "tap") {
    return { network: { mode: "none" }, release: none };
  }
  const pinned = app.network.tap;
  const claim = await claimFirstFree({
    dir: join(runtimeDir, CLAIMS, "taps"),
    pid: Deno.pid,
    candidates: pinned
      ? [pinned]
      : Array.from({ length: TAP_NETWORK.maxDevices }, (_, index) =>
        tapDevice(index)),
    usable: deviceExists,
  });
  if (!claim) {
    throw new CliError(
      pinned
        ? `qubesify run: TAP device ${pinned} does not exist or another VM uses it`
        : "qubesify run: no free TAP device; create more with `sudo qubesify net setup --apply --devices N`",
    );
  }
  return {
    network: { mode: "tap", device: claim.name },
    release: claim.release,
  };
}

/**
 * The VM's vsock: with `auto`, none for an app that uses no host service,
 * else the kernel's when /dev/vhost-vsock is usable and qubesify's own
 * back-end when not. `kernel` and `user` insist.
 */
async function chooseVsock(
  app: AppRecipe,
  mode: "auto" | "kernel" | "user",
): Promise<"kernel" | "user" | undefined> {
  const available = await deviceAccess(VHOST_VSOCK, {
    uid: Deno.uid() ?? 0,
    gid: Deno.gid() ?? 0,
  }) === undefined;
  if (mode === "kernel" && !available) {
    throw new CliError(
      `qubesify run: --vsock kernel needs ${VHOST_VSOCK}: sudo modprobe vhost_vsock, ` +
        "and give yourself access to it (qubesify doctor shows how)",
    );
  }
  if (mode !== "auto") return mode;
  const usesHost = app.display === "wayland" || app.audio !== "none" ||
    app.network.mode === "proxy";
  if (!usesHost) return undefined;
  return available ? "kernel" : "user";
}

/**
 * Starts `qubesify relay local`, unless one serves already, in its own
 * session (Ctrl-C in this terminal must not end other VMs' connections);
 * it serves every kernel-vsock VM of this user and ends with the last.
 */
async function startLocalDispatcher(runtimeDir: string): Promise<void> {
  if (localDispatcherRunning()) return;
  const relayDir = join(runtimeDir, ".relay");
  await Deno.mkdir(relayDir, { recursive: true, mode: 0o700 });
  const [program, ...args] = selfCommandByName();
  try {
    new Deno.Command(program, {
      args: [...args, "relay", "local", "--log", join(relayDir, "local.jsonl")],
      env: { QUBESIFY_RUNTIME_DIR: runtimeDir },
      stdin: "null",
      stdout: "null",
      stderr: "null",
      detached: true,
    }).spawn().unref();
  } catch (error) {
    throw new CliError(
      `qubesify run: cannot start the vsock dispatcher (${program}: ${
        (error as Error).message
      }); run \`qubesify relay local\` yourself before starting VMs, ` +
        "or use --vsock user",
    );
  }
}

const VHOST_VSOCK = "/dev/vhost-vsock";

/** Claim locks live in a dot folder, which runtime cleanup never touches. */
const CLAIMS = ".claims";

function asCliError(error: unknown): never {
  if (
    error instanceof ImageBuildError || error instanceof KernelBuildError ||
    error instanceof HugepagesUnavailableError ||
    error instanceof NoWaylandSessionError ||
    error instanceof BackgroundStartError
  ) {
    throw new CliError(`qubesify run: ${error.message}`);
  }
  throw error;
}
