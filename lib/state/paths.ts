/**
 * Where qubesify keeps its files, following the XDG base directory spec.
 *
 * @module
 */
import { join } from "node:path";

/** The three roots every other piece of qubesify derives its paths from. */
export interface StatePaths {
  /** User configuration: recipes, policies (`~/.config/qubesify`). */
  config: string;
  /** Built artefacts: kernels, images (`~/.local/share/qubesify`). */
  data: string;
  /** Per-VM sockets, QMP, logs; gone at logout (`$XDG_RUNTIME_DIR/qubesify`). */
  runtime: string;
}

/** What {@linkcode resolveStatePaths} reads; tests pass their own. */
export interface StateEnvironment {
  /** Environment variables (HOME, XDG_*, QUBESIFY_*_DIR). */
  env: Record<string, string | undefined>;
  /** The user's numeric id, for the runtime fallback when XDG_RUNTIME_DIR is unset. */
  uid: number;
  /** Directory for temporary files, used when XDG_RUNTIME_DIR is unset. */
  tmpdir?: string;
}

/**
 * Resolves the state roots. `QUBESIFY_CONFIG_DIR`, `QUBESIFY_DATA_DIR` and
 * `QUBESIFY_RUNTIME_DIR` override the XDG locations (tests use them to stay
 * out of the real home).
 */
export function resolveStatePaths(
  { env, uid, tmpdir = "/tmp" }: StateEnvironment,
): StatePaths {
  const home = env.HOME;
  const fromHome = (variable: string, fallback: string): string => {
    const xdg = env[variable];
    if (xdg && xdg.startsWith("/")) return join(xdg, "qubesify");
    if (!home) {
      throw new Error(
        `neither ${variable} nor HOME is set: set HOME to your home directory`,
      );
    }
    return join(home, fallback, "qubesify");
  };
  const runtimeRoot = env.XDG_RUNTIME_DIR?.startsWith("/")
    ? join(env.XDG_RUNTIME_DIR, "qubesify")
    : join(tmpdir, `qubesify-${uid}`);
  return {
    config: env.QUBESIFY_CONFIG_DIR ||
      fromHome("XDG_CONFIG_HOME", ".config"),
    data: env.QUBESIFY_DATA_DIR || fromHome("XDG_DATA_HOME", ".local/share"),
    runtime: env.QUBESIFY_RUNTIME_DIR || runtimeRoot,
  };
}

/** Resolves the state roots for the current process. */
export function currentStatePaths(): StatePaths {
  const env = Object.fromEntries(
    STATE_VARIABLES.map((name) => [name, Deno.env.get(name)]),
  );
  return resolveStatePaths({ env, uid: Deno.uid() ?? 0 });
}

/** Only these are read, so the orchestrator's env permission can list them. */
const STATE_VARIABLES = [
  "HOME",
  "XDG_CONFIG_HOME",
  "XDG_DATA_HOME",
  "XDG_RUNTIME_DIR",
  "QUBESIFY_CONFIG_DIR",
  "QUBESIFY_DATA_DIR",
  "QUBESIFY_RUNTIME_DIR",
];
