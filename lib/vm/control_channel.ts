/**
 * The host end of the guest's control port: QEMU connects a UNIX socket we
 * listen on to the virtio-serial port the guest init opens. We send the
 * launch spec, may ask for a stop, and read the init's report until the VM
 * goes away.
 *
 * @module
 */
import {
  type ControlReport,
  MAX_REPORT_BYTES,
  parseControlReport,
} from "./control_report.ts";
import { closeQuietly, writeAll } from "../io/mod.ts";
import { acceptOne } from "./one_connection.ts";

/** One VM's control connection. */
export interface ControlSession {
  /** The init's report, once the connection ends (`none` if it never came). */
  report: Promise<ControlReport>;
  /** Asks the init to stop the app (SIGTERM, then SIGKILL after 10 s). */
  requestStop(): Promise<void>;
}

/**
 * Accepts QEMU's connection on `listener`, sends `frame`, and collects the
 * guest's report. Closing the listener before QEMU connected (e.g. QEMU
 * failed to start) ends the session with a `none` report.
 */
export function openControlSession(
  options: { listener: Deno.UnixListener; frame: Uint8Array },
): ControlSession {
  const connected = acceptOne(options.listener);
  const report = connected.then(async (connection) => {
    if (!connection) return { kind: "none" } as const;
    try {
      await writeAll(connection, options.frame);
      return parseControlReport(
        await readKeeping(connection, MAX_REPORT_BYTES),
      );
    } finally {
      closeQuietly(connection);
    }
  });
  return {
    report,
    requestStop: async () => {
      const connection = await connected;
      if (connection) {
        await writeAll(connection, new TextEncoder().encode("stop\n")).catch(
          () => {},
        );
      }
    },
  };
}

/** Reads until EOF, keeping the first `limit` bytes and draining the rest. */
export async function readKeeping(
  connection: Deno.Conn,
  limit: number,
  onChunk?: (bytes: Uint8Array) => void,
): Promise<Uint8Array> {
  const kept = new Uint8Array(limit);
  let length = 0;
  const chunk = new Uint8Array(16 * 1024);
  while (true) {
    const read = await connection.read(chunk).catch(() => null);
    if (read === null) break;
    onChunk?.(chunk.subarray(0, read));
    const take = Math.min(read, limit - length);
    kept.set(chunk.subarray(0, take), length);
    length += take;
  }
  return kept.subarray(0, length);
}
