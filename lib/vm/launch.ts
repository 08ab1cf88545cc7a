/**
 * `qubesify run` below the command line: everything between an app's
 * recipe and its VM's end. The order matters and is the whole design:
 *
 * 1. checks that need no work (the vsock choice, a Wayland session for an
 *    app with windows, QEMU on PATH), so a doomed run fails at once;
 * 2. the kernel and template image, built when missing or outdated;
 * 3. claims held for the VM's life — network, vsock CID, home disk — each
 *    an `await using` line, so every exit path gives them back;
 * 4. {@linkcode runApp}: the VM, its host services and guards.
 *
 * @module
 */
import { join } from "node:path";
import type { AppRecipe, TemplateRecipe, TemplateUses } from "../recipe/mod.ts";
import { recipeEgressLog } from "../egress/mod.ts";
import { findExecutable, requireExecutable } from "../exec/mod.ts";
import { deviceAccess } from "../fs/mod.ts";
import type { StatePaths } from "../state/mod.ts";
import { chooseAccel } from "./accel.ts";
import { resolveArtefacts } from "./artefacts.ts";
import { claimCid } from "./cid.ts";
import { claimHomeDisk } from "./home_disk.ts";
import { DEFAULT_HUGETLBFS_DIR, findHugetlbfsDir } from "./hugepage_pool.ts";
import { claimNetwork } from "./network_claim.ts";
import { runApp, type RunAppOptions, type RunAppResult } from "./run_app.ts";
import { chooseVsock, VHOST_VSOCK, type VsockMode } from "./vsock_choice.ts";
import { NoWaylandSessionError } from "./waypipe_client.ts";

/** The user's environment, as far as `run` may read it. */
export interface LaunchEnvironment {
  /** Where programs are looked up. */
  PATH?: string;
  /** The user's Wayland display (for an app with windows). */
  WAYLAND_DISPLAY?: string;
  /** The user's runtime folder (Wayland and pulse sockets). */
  XDG_RUNTIME_DIR?: string;
  /** The user's pulse server, when not the default socket. */
  PULSE_SERVER?: string;
}

/** What {@linkcode launchApp} needs. */
export interface LaunchOptions {
  /** The app. */
  app: AppRecipe;
  /** Its template. */
  template: TemplateRecipe;
  /** What all apps of the template need in the guest. */
  uses: TemplateUses;
  /** Extra arguments after the recipe's command. */
  args: readonly string[];
  /** Build a missing or outdated kernel or image (`--no-build`: false). */
  build: boolean;
  /** `--vsock`. */
  vsock: VsockMode;
  /** `--hugepages`: back the template disk with hugetlbfs. */
  hugepages: boolean;
  /** qubesify's folders. */
  paths: StatePaths;
  /** The user's environment. */
  env: LaunchEnvironment;
  /** The user's uid and primary gid. */
  user: { uid: number; gid: number };
  /** Progress lines for a person (stderr; each ends with a newline). */
  report: (line: string) => void;
  /** A warning for a person (one line, no newline). */
  warn: (line: string) => void;
  /** The app's output (untrusted guest bytes). */
  onAppOutput: (bytes: Uint8Array) => void;
  /** Aborting stops the app gracefully, then the VM. */
  signal?: AbortSignal;
}

/** Claim locks live in a dot folder, which runtime cleanup never touches. */
const CLAIMS = ".claims";

/**
 * Runs the app in a new disposable VM and resolves when the VM is gone,
 * with nothing of it left but what `persist: home` keeps.
 */
export async function launchApp(options: LaunchOptions): Promise<RunAppResult> {
  const { app, paths, env } = options;
  const path = env.PATH ?? "/usr/bin:/bin";
  const vsock = chooseVsock({
    app,
    mode: options.vsock,
    kernelVsockUsable: deviceAccess(VHOST_VSOCK, options.user) ===
      undefined,
  });
  if (app.display === "wayland" && !env.WAYLAND_DISPLAY) {
    throw new NoWaylandSessionError("WAYLAND_DISPLAY is not set");
  }
  const qemu = await requireExecutable("qemu-system-x86_64", {
    path,
    neededBy: "run",
  });
  const { kernel, image } = await resolveArtefacts({
    dataDir: paths.data,
    template: options.template,
    uses: options.uses,
    build: options.build,
    path,
    uid: options.user.uid,
    report: options.report,
    signal: options.signal,
  });
  const accel = await chooseAccel({ qemu });
  if (accel.warning) options.warn(accel.warning);
  const claims = join(paths.runtime, CLAIMS);

  await using network = await claimNetwork({
    network: app.network,
    claimsDir: claims,
  });
  await using cid = vsock === "kernel"
    ? await claimCid({ dir: join(claims, "cids"), pid: Deno.pid })
    : undefined;
  await using home = app.persist === "home"
    ? await claimHomeDisk({
      app: app.name,
      dataDir: paths.data,
      claimsDir: claims,
      mke2fs: await requireExecutable("mke2fs", {
        path,
        neededBy: "persist: home",
      }),
    })
    : undefined;

  return await runApp({
    app,
    args: options.args,
    qemu,
    kernel,
    image,
    accel: accel.accel,
    network: network.network,
    homeDisk: home?.path,
    vsock: cid
      ? { kind: "kernel", cid: cid.cid }
      : vsock === "user"
      ? { kind: "user" }
      : undefined,
    session: {
      // Missing, the host services say what the display lacks.
      waypipe: await findExecutable("waypipe", path),
      env: {
        WAYLAND_DISPLAY: env.WAYLAND_DISPLAY,
        XDG_RUNTIME_DIR: env.XDG_RUNTIME_DIR,
        PULSE_SERVER: env.PULSE_SERVER,
      },
      warn: options.warn,
    },
    egress: egressOf(app, paths),
    runtimeDir: paths.runtime,
    signal: options.signal,
    onAppOutput: options.onAppOutput,
    hugepages: options.hugepages
      ? { dir: await findHugetlbfsDir() ?? DEFAULT_HUGETLBFS_DIR }
      : undefined,
  });
}

/** `network: proxy`: the VM's own egress proxy and where it logs. */
function egressOf(app: AppRecipe, paths: StatePaths): RunAppOptions["egress"] {
  const policy = app.network.mode === "proxy" ? app.network.proxy : undefined;
  if (!policy) return undefined;
  return {
    policy,
    baseDir: paths.config,
    log: recipeEgressLog(policy.log, paths),
  };
}
