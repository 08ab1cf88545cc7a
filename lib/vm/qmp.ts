/**
 * Asking QEMU to quit through its QMP socket: the graceful end of a VM
 * whose app did not stop when asked. QEMU flushes and closes its devices
 * and exits 0, where a signal would cut it off.
 *
 * QMP speaks JSON lines: a greeting, then `qmp_capabilities` leaves
 * negotiation mode, then commands, each answered by `return` or `error`
 * (events may come in between).
 *
 * @module
 */
import { errorMessage, QubesifyError } from "../errors/mod.ts";

/** QMP refused a command or broke off; `reason` says how. */
export class QmpError extends QubesifyError {
  /** Describes what went wrong. */
  constructor(reason: string) {
    super(`QMP: ${reason}`);
  }
}

/** The longest line read from QEMU; a greeting is a few hundred bytes. */
const MAX_LINE_BYTES = 64 * 1024;

/**
 * Connects to `socket`, negotiates, and sends `quit`; resolves once QEMU
 * acknowledged it. Gives up with {@linkcode QmpError} after `timeoutMs`.
 */
export async function qmpQuit(
  socket: string,
  timeoutMs = 5_000,
): Promise<void> {
  const conn = await Deno.connect({ transport: "unix", path: socket });
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    const lines = readLines(conn);
    const greeting = await nextMessage(lines);
    if (!("QMP" in greeting)) throw new QmpError("no greeting");
    await command(conn, lines, "qmp_capabilities");
    await command(conn, lines, "quit");
  } catch (error) {
    if (error instanceof QmpError) throw error;
    throw new QmpError(
      `no answer within ${timeoutMs} ms or connection lost (${
        errorMessage(error)
      })`,
    );
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // Closed by the timer, or by QEMU quitting.
    }
  }
}

/** Sends one command and waits for its answer, skipping events. */
async function command(
  conn: Deno.UnixConn,
  lines: AsyncIterator<string>,
  name: string,
): Promise<void> {
  await conn.write(new TextEncoder().encode(`{"execute":"${name}"}\n`));
  while (true) {
    const message = await nextMessage(lines);
    if ("return" in message) return;
    if ("error" in message) {
      const error = message.error as { desc?: unknown } | undefined;
      throw new QmpError(`${name} refused: ${String(error?.desc ?? "?")}`);
    }
  }
}

async function nextMessage(
  lines: AsyncIterator<string>,
): Promise<Record<string, unknown>> {
  const { value, done } = await lines.next();
  if (done) throw new QmpError("QEMU closed the connection");
  const message = JSON.parse(value);
  if (typeof message !== "object" || message === null) {
    throw new QmpError("a message is not a JSON object");
  }
  return message;
}

async function* readLines(conn: Deno.UnixConn): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let pending = "";
  const buffer = new Uint8Array(4096);
  while (true) {
    const count = await conn.read(buffer);
    if (count === null) return;
    pending += decoder.decode(buffer.subarray(0, count), { stream: true });
    let newline;
    while ((newline = pending.indexOf("\n")) >= 0) {
      yield pending.slice(0, newline);
      pending = pending.slice(newline + 1);
    }
    if (pending.length > MAX_LINE_BYTES) {
      throw new QmpError("a line longer than 64 KiB");
    }
  }
}
