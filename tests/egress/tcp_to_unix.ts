/**
 * A TCP listener on 127.0.0.1 that relays each connection to a UNIX
 * socket: what the guest's socat does for a VM, so curl, git and nc can
 * reach a proxy that listens on its per-VM socket.
 */

/** A running relay; disposing it closes the listener and every relay. */
export interface TcpToUnix extends AsyncDisposable {
  /** The TCP port on 127.0.0.1. */
  port: number;
}

async function pipe(from: Deno.Conn, to: Deno.Conn): Promise<void> {
  try {
    await from.readable.pipeTo(to.writable, { preventClose: true });
    await to.closeWrite();
  } catch {
    // One side went away; the other is closed by the caller.
  }
}

/** Listens on 127.0.0.1 (any free port) and relays to `path`. */
export function startTcpToUnix(path: string): TcpToUnix {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Promise<void>>();
  const conns = new Set<Deno.Conn>();
  const accepting = (async () => {
    for await (const client of listener) {
      const relay = (async () => {
        let server: Deno.Conn | undefined;
        conns.add(client);
        try {
          server = await Deno.connect({ transport: "unix", path });
          conns.add(server);
          await Promise.all([pipe(client, server), pipe(server, client)]);
        } catch {
          // The proxy is gone; drop the client.
        } finally {
          for (const conn of [client, server]) {
            if (!conn) continue;
            conns.delete(conn);
            try {
              conn.close();
            } catch {
              // Already closed by its stream.
            }
          }
        }
      })();
      open.add(relay);
      relay.finally(() => open.delete(relay));
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    async [Symbol.asyncDispose]() {
      listener.close();
      await accepting;
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // Already closed.
        }
      }
      await Promise.allSettled(open);
    },
  };
}
