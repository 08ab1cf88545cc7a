/**
 * What a hostile client does to the user's other windows, run the way
 * the display guard's tests need it: typing into a focused terminal with
 * a virtual keyboard (`wtype`), and reading or planting the clipboard
 * without focus (`wl-copy`, `wl-paste`). Screen capture is in `grim.ts`.
 * Straight on sway each succeeds; each helper reports what happened
 * rather than asserting, so a guard test can run the same thing through
 * the guard and assert that it failed.
 *
 * ```ts
 * await using sway = await startSway();
 * const typed = await typeInto({ sway, text: "hello" });
 * // typed.received === "hello"
 * const trip = await clipboardRoundTrip({ copier: sway.env, text: "hello" });
 * // trip.pasted === "hello"
 * ```
 *
 * @module
 */
import { join } from "node:path";
import type { BackgroundExit, CaptureResult } from "../../lib/exec/mod.ts";
import { startFoot } from "./foot.ts";
import { startProcessGroup } from "./process_group.ts";
import { type ClientEnv, runClient } from "./run_client.ts";
import { focusedWindow, type SwayNode } from "./sway_tree.ts";

/** What {@linkcode typeInto} needs. */
export interface TypeIntoOptions {
  /**
   * The compositor the terminal runs on (straight, not guarded); its
   * layout tree tells when the terminal has the keyboard focus.
   */
  sway: { env: ClientEnv; tree(): Promise<SwayNode> };
  /** Where `wtype` connects; default the terminal's compositor. */
  typist?: ClientEnv;
  /** One line to type; Return is pressed after it. */
  text: string;
  /** How long to wait for the line after wtype ended; default 3 s. */
  waitMs?: number;
}

/** The outcome of {@linkcode typeInto}. */
export interface Typed {
  /** How wtype ended. */
  wtype: CaptureResult;
  /** The line the terminal read, or undefined when none arrived. */
  received?: string;
}

/**
 * The terminal's program: read one line and write it to the file named
 * by its first argument (a constant script; the path is an argument).
 */
const READ_LINE = 'read -r line && printf "%s\\n" "$line" > "$1"';

/**
 * Opens a `foot` terminal on `sway`, waits until it has the keyboard
 * focus, runs `wtype` on `typist` to type `text` and Return, and returns
 * the line the terminal received.
 */
export async function typeInto(options: TypeIntoOptions): Promise<Typed> {
  if (options.text.startsWith("-") || /[\n\r]/.test(options.text)) {
    throw new Error("typeInto types one line that does not start with '-'");
  }
  const dir = await Deno.makeTempDir({ prefix: "qubesify-typed-" });
  try {
    const file = join(dir, "line");
    const appId = `qubesify-terminal-${crypto.randomUUID().slice(0, 8)}`;
    await using _terminal = await startFoot({
      env: options.sway.env,
      appId,
      command: ["sh", "-c", READ_LINE, "sh", file],
      ready: async () =>
        focusedWindow(await options.sway.tree())?.app_id === appId,
    });
    const wtype = await runClient(options.typist ?? options.sway.env, [
      "wtype",
      // The seat has no keyboard until wtype's virtual one appears; keys
      // sent before the terminal has bound it are lost (the first one
      // always was), so wtype waits first.
      "-s",
      "500",
      options.text,
      "-k",
      "Return",
    ]);
    const received = await readWhenWritten(file, options.waitMs ?? 3_000);
    return { wtype, received: received?.replace(/\n$/, "") };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** What {@linkcode clipboardRoundTrip} needs. */
export interface ClipboardOptions {
  /** Where `wl-copy` offers the text. */
  copier: ClientEnv;
  /** Where `wl-paste` reads the clipboard; default `copier`. */
  paster?: ClientEnv;
  /** The text copied. */
  text: string;
  /** How long to keep trying to paste it; default 3 s. */
  timeoutMs?: number;
}

/** The outcome of {@linkcode clipboardRoundTrip}. */
export interface ClipboardTrip {
  /**
   * What the last successful `wl-paste` read (`text` when the trip
   * worked), or undefined when no paste succeeded.
   */
  pasted?: string;
  /** How the last `wl-paste` ended. */
  paste: CaptureResult;
  /** How `wl-copy` ended, when it ended before the pasting was over. */
  copyExit?: BackgroundExit;
}

/**
 * Offers `text` with `wl-copy` on `copier` (it serves the clipboard for as
 * long as it runs), then runs `wl-paste` on `paster` until it reads
 * `text` or the time is up. Neither has a window with focus: on sway they
 * use the data-control protocol, which needs none.
 */
export async function clipboardRoundTrip(
  options: ClipboardOptions,
): Promise<ClipboardTrip> {
  await using copier = await startProcessGroup({
    program: "wl-copy",
    args: ["--foreground", "--", options.text],
    env: { ...options.copier },
  });
  let copyExit: BackgroundExit | undefined;
  copier.exited.then((exit) => copyExit = exit);
  const deadline = Date.now() + (options.timeoutMs ?? 3_000);
  let pasted: string | undefined;
  while (true) {
    const paste = await runClient(options.paster ?? options.copier, [
      "wl-paste",
      "--no-newline",
    ], { timeoutMs: 5_000 });
    if (paste.code === 0) pasted = paste.stdout;
    if (pasted === options.text || copyExit || Date.now() >= deadline) {
      return { pasted, paste, copyExit };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The file's text once it exists and ends a line, or undefined after `ms`. */
async function readWhenWritten(
  file: string,
  ms: number,
): Promise<string | undefined> {
  const deadline = Date.now() + ms;
  while (true) {
    const text = await Deno.readTextFile(file).catch(() => undefined);
    if (text?.endsWith("\n")) return text;
    if (Date.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
