/**
 * Each VM socket serves exactly one peer: QEMU. This accepts that one
 * connection and lets nobody else in.
 *
 * @module
 */
import { closeQuietly } from "../io/mod.ts";

/**
 * Accepts one connection, then closes the listener so nobody else can
 * connect; resolves undefined when the listener was closed first (e.g.
 * QEMU exited before connecting).
 */
export async function acceptOne(
  listener: Deno.UnixListener,
): Promise<Deno.UnixConn | undefined> {
  try {
    return await listener.accept();
  } catch {
    return undefined;
  } finally {
    closeQuietly(listener);
  }
}
