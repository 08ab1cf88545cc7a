/**
 * Test helpers: UNIX socket servers and clients for relay tests, each owned
 * by a disposable that stops it.
 *
 * @module
 */
import { join } from "node:path";
import { writeAll } from "../io/mod.ts";

/** A temporary folder removed on dispose. */
export async function tempDir(): Promise<
  { path: string; join(name: string): string } & AsyncDisposable
> {
  const path = await Deno.makeTempDir({ prefix: "qubesify-relay-test-" });
  return {
    path,
    join: (name) => join(path, name),
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  };
}

/** A UNIX socket server running `handle` per connection. */
export interface TestServer extends AsyncDisposable {
  /** Its socket path. */
  readonly path: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Resolves with the next connection's handler result. */
  readonly handled: Promise<unknown>[];
}

/** Serves `path` until disposed; each connection goes to `handle`. */
export function serveUnix(
  path: string,
  handle: (conn: Deno.UnixConn) => Promise<unknown>,
): TestServer {
  const listener = Deno.listen({ transport: "unix", path });
  const handled: Promise<unknown>[] = [];
  const loop = (async () => {
    try {
      for await (const conn of listener) {
        handled.push(
          handle(conn).finally(() => {
            try {
              conn.close();
            } catch {
              // The handler closed it already.
            }
          }),
        );
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.BadResource)) throw error;
    }
  })();
  return {
    path,
    get accepted() {
      return handled.length;
    },
    handled,
    async [Symbol.asyncDispose]() {
      listener.close();
      await loop;
      await Promise.allSettled(handled);
    },
  };
}

/** Echoes every byte back, then half-closes after the client's EOF. */
export async function echo(conn: Deno.UnixConn): Promise<number> {
  let total = 0;
  const buffer = new Uint8Array(256 * 1024);
  while (true) {
    const count = await conn.read(buffer);
    if (count === null) break;
    total += count;
    await writeAll(conn, buffer.subarray(0, count));
  }
  await conn.closeWrite();
  return total;
}

export { writeAll };

/** Reads until end of file. */
export async function readAll(conn: Deno.Conn): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const buffer = new Uint8Array(256 * 1024);
  while (true) {
    const count = await conn.read(buffer);
    if (count === null) break;
    chunks.push(buffer.slice(0, count));
    total += count;
  }
  const all = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return all;
}

/** Deterministic bytes: different per `seed`, cheap to make. */
export function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i += 4) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    bytes[i] = state;
    bytes[i + 1] = state >>> 8;
    bytes[i + 2] = state >>> 16;
    bytes[i + 3] = state >>> 24;
  }
  return bytes;
}

/**
 * Whether the relay closed `conn` without relaying: end of file or a reset
 * (the relay closes with the client's bytes unread).
 */
export async function closedByRelay(conn: Deno.Conn): Promise<boolean> {
  try {
    return await conn.read(new Uint8Array(1)) === null;
  } catch (error) {
    return error instanceof Deno.errors.ConnectionReset;
  }
}

/** Polls `condition` every 10 ms until true or `timeoutMs` passed. */
export async function waitFor(
  condition: () => boolean,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Closes `conn` after `ms` unless disposed first, so a relay that never
 * passes an end of file fails the test (the pending read throws) instead
 * of hanging it.
 */
export function closeAfter(conn: Deno.Conn, ms = 20_000): Disposable {
  const timer = setTimeout(() => {
    try {
      conn.close();
    } catch {
      // Closed by the test already.
    }
  }, ms);
  return { [Symbol.dispose]: () => clearTimeout(timer) };
}
