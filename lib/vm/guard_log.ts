/**
 * A VM's guard log (`<vm>/guards.log`): what its display and audio guards
 * refused and why. A guest decides how often it is refused, so repeats
 * are folded (one line a second per kind, with a count) and the file
 * stops growing at {@linkcode GUARD_LOG_MAX_BYTES}; the first refusal of
 * each kind is also shown to the user as a warning.
 *
 * @module
 */
import { closeQuietly, RepeatFolder } from "../io/mod.ts";

/** Where a guard log stops growing. */
export const GUARD_LOG_MAX_BYTES = 1024 * 1024;

/** A VM's guard log; disposing reports what is folded and closes it. */
export interface GuardLog extends Disposable {
  /** Logs one line from a guard. */
  line(text: string): void;
}

/** What {@linkcode openGuardLog} needs. */
export interface GuardLogOptions {
  /** The log file (appended to). */
  path: string;
  /** Shows a line to the user (one line, no newline). */
  warn(line: string): void;
  /** Whether a line is a refusal the user should see. */
  isRefusal(line: string): boolean;
  /** Size limit; default {@linkcode GUARD_LOG_MAX_BYTES}. */
  maxBytes?: number;
}

/** Opens the log; lines about different connections fold alike. */
export async function openGuardLog(
  options: GuardLogOptions,
): Promise<GuardLog> {
  const file = await Deno.open(options.path, { create: true, append: true });
  const maxBytes = options.maxBytes ?? GUARD_LOG_MAX_BYTES;
  const encoder = new TextEncoder();
  let written = 0;
  let full = false;
  const write = (text: string) => {
    if (full) return;
    const bytes = encoder.encode(`${text}\n`);
    if (written + bytes.length > maxBytes) {
      full = true;
      file.writeSync(
        encoder.encode(`log over ${maxBytes} bytes; the rest is dropped\n`),
      );
      return;
    }
    written += bytes.length;
    file.writeSync(bytes);
  };
  const folder = new RepeatFolder<string>({
    kind: (text) => text.replace(/connection \d+/g, "connection N"),
    report: (text, repeats) => {
      write(repeats ? `${text} (and ${repeats} more like it)` : text);
      if (!repeats && options.isRefusal(text)) options.warn(text);
    },
  });
  return {
    line: (text) => folder.add(text),
    [Symbol.dispose]() {
      folder.close();
      closeQuietly(file);
    },
  };
}
