/**
 * A real display guard (the filtering session, not the loop's
 * pass-through) in front of a test compositor, with what it logs and the
 * connections it ended, for tests that run the same client straight and
 * through the guard.
 *
 * ```ts
 * await using sway = await startSway();
 * await using guarded = await startGuardedDisplay({ socket: sway.socket, env: sway.env });
 * await runClient(guarded.env, ["wayland-info"]);
 * ```
 *
 * @module
 */
import { join } from "node:path";
import {
  type DisplayGuard,
  type DisplayGuardConfig,
  effectiveAllowedGlobals,
  type GuardConnectionEnd,
  startDisplayGuard,
} from "../../lib/display/mod.ts";
import { eventually } from "../../lib/display/_test_guard.ts";
import type { ClientEnv } from "../desktop/mod.ts";
import { owning } from "../desktop/owning.ts";

/** The VM the tests' guard speaks for: recipe defaults, a green frame. */
export const GUARDED_VM: DisplayGuardConfig = {
  vm: "guarded-vm",
  app: "guarded-app",
  label: "work",
  colour: "#00ff00",
  globals: { allow: effectiveAllowedGlobals({ allow: [], deny: [] }) },
  clipboard: "explicit",
};

/** What {@linkcode startGuardedDisplay} guards. */
export interface GuardedDisplayOptions {
  /** The compositor's socket (absolute path). */
  socket: string;
  /** How clients reach it straight; the guarded env keeps its runtime folder. */
  env: ClientEnv;
  /** Changes to {@linkcode GUARDED_VM}. */
  config?: Partial<DisplayGuardConfig>;
}

/** A guard in front of a compositor; disposing stops it. */
export interface GuardedDisplay extends AsyncDisposable {
  readonly guard: DisplayGuard;
  /** The settings it runs with. */
  readonly config: DisplayGuardConfig;
  /** How clients reach the compositor through the guard. */
  readonly env: ClientEnv;
  /** Every line it logged, in order. */
  readonly log: string[];
  /** The connections that ended, in order. */
  readonly ended: GuardConnectionEnd[];
  /** Waits for the `count`th connection to end (default the first). */
  end(count?: number): Promise<GuardConnectionEnd>;
}

/** Starts a guard with the real filter in front of `options.socket`. */
export async function startGuardedDisplay(
  options: GuardedDisplayOptions,
): Promise<GuardedDisplay> {
  await using stack = new AsyncDisposableStack();
  const dir = await Deno.makeTempDir({ prefix: "qubesify-guarded-" });
  stack.defer(() => Deno.remove(dir, { recursive: true }));
  const config = { ...GUARDED_VM, ...options.config };
  const log: string[] = [];
  const ended: GuardConnectionEnd[] = [];
  const guard = stack.use(
    await startDisplayGuard({
      listenPath: join(dir, "guard.sock"),
      compositorPath: options.socket,
      config,
      onLog: (line) => log.push(line),
      onConnectionEnd: (end) => ended.push(end),
    }),
  );
  const end = async (count = 1) =>
    (await eventually(
      () => ended.length >= count ? ended : undefined,
      `${count} guarded connection(s) to end`,
    ))[count - 1];
  return owning(stack, {
    guard,
    config,
    env: { ...options.env, WAYLAND_DISPLAY: guard.path },
    log,
    ended,
    end,
  });
}
