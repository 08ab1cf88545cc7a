/**
 * The host ends of a VM's services: what its guest may reach over vsock
 * (see `SERVICE_PORTS`), each a UNIX socket on the host. Display: the VM's
 * own waypipe client, drawing through the VM's display guard, which alone
 * talks to the user's compositor. Audio: the VM's audio guard in front of
 * the user's pulse server (pipewire-pulse), letting through what the
 * recipe's mode needs. Everything started here belongs to the VM and
 * stops with it.
 *
 * @module
 */
import { join } from "node:path";
import { type ServiceName, WAYPIPE_COMPRESS } from "../guest/mod.ts";
import type { AppRecipe } from "../recipe/mod.ts";
import {
  type DisplayGuard,
  effectiveAllowedGlobals,
  startDisplayGuard,
} from "../display/mod.ts";
import { MissingProgramError } from "../exec/mod.ts";
import { startAudioGuard } from "../audio/mod.ts";
import { compositorSocket, startWaypipeClient } from "./waypipe_client.ts";
import { type GuardLog, openGuardLog } from "./guard_log.ts";

/** What a VM's app needs from the host (a subset of its recipe). */
export type ServiceNeeds = Pick<
  AppRecipe,
  "name" | "display" | "audio" | "label" | "colour" | "displayPolicy"
>;

/** Where the host programs and the user's session are. */
export interface HostSession {
  /** Path of waypipe (needed for a display). */
  waypipe?: string;
  /** WAYLAND_DISPLAY, XDG_RUNTIME_DIR and PULSE_SERVER of the user. */
  env: {
    WAYLAND_DISPLAY?: string;
    XDG_RUNTIME_DIR?: string;
    PULSE_SERVER?: string;
  };
  /** Tells the user about a service left out (one line, no newline). */
  warn: (line: string) => void;
}

/** The VM's running host services; disposing stops them. */
export interface HostServices extends AsyncDisposable {
  /** Socket path of each service the VM may reach. */
  readonly sockets: Partial<Record<ServiceName, string>>;
}

/**
 * The user's pulse socket: PULSE_SERVER when it names a UNIX socket
 * (`unix:/path` or a bare path), else `$XDG_RUNTIME_DIR/pulse/native`.
 */
export function pulseSocketPath(
  env: HostSession["env"],
): string | undefined {
  const server = env.PULSE_SERVER;
  if (server) {
    const path = server.startsWith("unix:") ? server.slice(5) : server;
    return path.startsWith("/") ? path : undefined;
  }
  return env.XDG_RUNTIME_DIR
    ? join(env.XDG_RUNTIME_DIR, "pulse", "native")
    : undefined;
}

/** What {@linkcode startHostServices} needs. */
export interface HostServicesOptions {
  /** The VM's name (in the guard's log lines). */
  vm: string;
  /** What its app needs. */
  needs: ServiceNeeds;
  /** The user's session. */
  session: HostSession;
  /** The VM's runtime folder: sockets and the display log live there. */
  vmDir: string;
}

/**
 * Starts the services the app needs, with sockets in the VM's folder. A
 * missing sound server is a warning (the app runs silent); a display that
 * cannot start is an error, since the app would be invisible.
 */
export async function startHostServices(
  options: HostServicesOptions,
): Promise<HostServices> {
  const { needs, session, vmDir } = options;
  if (needs.display === "wayland" && !session.waypipe) {
    throw new MissingProgramError(
      "the app shows windows, but waypipe is not installed; " +
        "`qubesify doctor` shows how to install it",
    );
  }
  await using stack = new AsyncDisposableStack();
  const sockets: Partial<Record<ServiceName, string>> = {};
  const log = stack.use(
    await openGuardLog({
      path: join(vmDir, "guards.log"),
      warn: session.warn,
      isRefusal,
    }),
  );
  if (needs.display === "wayland") {
    const guard = stack.use(await startGuard(options, log));
    const socket = join(vmDir, "wayland.sock");
    const client = await startWaypipeClient({
      waypipe: session.waypipe!,
      socket,
      compress: WAYPIPE_COMPRESS,
      display: guard.path,
      runtimeDir: session.env.XDG_RUNTIME_DIR,
    });
    stack.defer(async () => void await client.stop());
    sockets.wayland = socket;
  }
  if (needs.audio !== "none") {
    const pulse = pulseSocketPath(session.env);
    const present = pulse !== undefined &&
      await Deno.stat(pulse).then(
        (info) => info.isSocket === true,
        () => false,
      );
    if (present) {
      const guard = stack.use(
        await startAudioGuard({
          listenPath: join(vmDir, "pulse.sock"),
          serverPath: pulse,
          mode: needs.audio,
          vm: options.vm,
          onLog: (line) => log.line(line),
        }),
      );
      sockets.audio = guard.path;
    } else {
      session.warn(
        `no sound: no pulse server socket at ${
          pulse ?? "$XDG_RUNTIME_DIR/pulse/native"
        } (is pipewire-pulse running?)`,
      );
    }
  }
  const owned = stack.move();
  return { sockets, [Symbol.asyncDispose]: () => owned.disposeAsync() };
}

/** The VM's display guard in front of the user's compositor. */
function startGuard(
  options: HostServicesOptions,
  log: GuardLog,
): Promise<DisplayGuard> {
  const { needs, session, vmDir, vm } = options;
  return startDisplayGuard({
    listenPath: join(vmDir, "display-guard.sock"),
    compositorPath: compositorSocket(session.env),
    config: {
      vm,
      app: needs.name,
      label: needs.label,
      colour: needs.colour,
      globals: { allow: effectiveAllowedGlobals(needs.displayPolicy) },
      clipboard: needs.displayPolicy.clipboard,
    },
    onLog: (line) => log.line(line),
  });
}

/** Refusals a user should hear of: a display connection cut, a pulse command refused. */
function isRefusal(line: string): boolean {
  return / display connection closed: | refused /.test(line);
}
