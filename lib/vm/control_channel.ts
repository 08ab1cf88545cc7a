/**
 * The host end of the guest's control port: QEMU connects a UNIX socket we
 * listen on to the virtio-serial port the guest init opens. We send the
 * launch spec, then read the init's report until the VM goes away.
 *
 * @module
 */
import { type ControlReport, parseControlReport } from "./control_report.ts";

/** Bytes of guest output kept; a well-behaved init writes one short line. */
const KEEP_BYTES = 4096;

/**
 * Accepts QEMU's connection on `listener`, sends `frame`, and resolves with
 * the guest's report once the connection ends. Closing the listener before
 * QEMU connected (e.g. QEMU failed to start) resolves with `none`.
 */
export async function serveControl(
  options: { listener: Deno.UnixListener; frame: Uint8Array },
): Promise<ControlReport> {
  let connection: Deno.UnixConn;
  try {
    connection = await options.listener.accept();
  } catch {
    return { kind: "none" };
  } finally {
    // One VM, one connection: nobody else gets to talk to this guest.
    closeQuietly(options.listener);
  }
  try {
    await writeAll(connection, options.frame);
    const kept = new Uint8Array(KEEP_BYTES);
    let length = 0;
    const chunk = new Uint8Array(4096);
    while (true) {
      const read = await connection.read(chunk).catch(() => null);
      if (read === null) break;
      // Keep the first bytes, drain the rest so the guest never blocks.
      const take = Math.min(read, KEEP_BYTES - length);
      kept.set(chunk.subarray(0, take), length);
      length += take;
    }
    return parseControlReport(kept.subarray(0, length));
  } finally {
    closeQuietly(connection);
  }
}

async function writeAll(connection: Deno.Conn, bytes: Uint8Array) {
  let offset = 0;
  while (offset < bytes.length) {
    offset += await connection.write(bytes.subarray(offset));
  }
}

function closeQuietly(resource: { close(): void }): void {
  try {
    resource.close();
  } catch {
    // Already closed.
  }
}
