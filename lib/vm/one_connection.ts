/**
 * Each VM socket serves exactly one peer: QEMU. These helpers accept that
 * one connection and close things without caring whether they already were.
 *
 * @module
 */

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

/** Closes a listener or connection that may already be closed. */
export function closeQuietly(resource: { close(): void }): void {
  try {
    resource.close();
  } catch {
    // Already closed.
  }
}
