/**
 * Progress lines for long builds: one line per phase and a periodic
 * heartbeat, so a quiet terminal never looks hung.
 *
 * @module
 */

/** Formats a duration as `45s` or `2m10s`. */
export function formatElapsed(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${String(seconds % 60).padStart(2, "0")}s`;
}

/** What a {@linkcode Progress} writes to and measures with. */
export interface ProgressOptions {
  /** Starts every line, e.g. `kernel` or `image smoke`. */
  prefix: string;
  /** Receives one complete line (newline included) at a time. */
  write(line: string): void;
  /** Milliseconds since some fixed point; injectable for tests. */
  now?: () => number;
}

/** Reports phases of one build. */
export interface Progress {
  /** Starts a phase: prints `<prefix>: <label>…`. */
  phase(label: string): void;
  /**
   * Prints `<prefix>: <label>… <elapsed in phase> (<detail()>)` every
   * `intervalMs` until the returned function is called.
   */
  heartbeat(intervalMs: number, detail?: () => string): () => void;
  /** Time since the progress was created. */
  total(): string;
}

/** Creates a progress reporter whose clock starts now. */
export function createProgress(options: ProgressOptions): Progress {
  const now = options.now ?? (() => performance.now());
  const started = now();
  let phaseLabel = "";
  let phaseStarted = started;
  return {
    phase(label) {
      phaseLabel = label;
      phaseStarted = now();
      options.write(`${options.prefix}: ${label}…\n`);
    },
    heartbeat(intervalMs, detail) {
      const timer = setInterval(() => {
        const extra = detail?.();
        options.write(
          `${options.prefix}: ${phaseLabel}… ${
            formatElapsed(now() - phaseStarted)
          }${extra ? ` (${extra})` : ""}\n`,
        );
      }, intervalMs);
      return () => clearInterval(timer);
    },
    total: () => formatElapsed(now() - started),
  };
}
