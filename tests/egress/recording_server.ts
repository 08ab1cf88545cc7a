/**
 * An origin server for the egress tests that records, byte for byte,
 * everything each connection sends it: what the proxy forwarded, not what
 * an HTTP library made of it. Each connection is read until it has been
 * quiet for a moment, saved as one JSON line (the bytes as latin-1 text),
 * then answered with one small response and closed.
 *
 * Usage: deno run -A recording_server.ts ADDRESS PORT RECORD_FILE READY_FILE
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { type Background, startBackground } from "../../lib/exec/mod.ts";

const SERVER = fileURLToPath(import.meta.url);

/** Where the server runs and where it records. */
export interface RecordingServerOptions {
  /** Network namespace to run in. */
  namespace: string;
  /** Address and port to listen on. */
  address: string;
  port: number;
  /** JSONL file: one string per connection, what it received. */
  recordFile: string;
  /** File the server creates once it listens. */
  readyFile: string;
}

/** Starts the server in `options.namespace`. */
export function startRecordingServer(
  options: RecordingServerOptions,
): Promise<Background> {
  return startBackground({
    program: "ip",
    args: [
      "netns",
      "exec",
      options.namespace,
      Deno.execPath(),
      "run",
      "-A",
      SERVER,
      options.address,
      String(options.port),
      options.recordFile,
      options.readyFile,
    ],
    ready: () => Deno.stat(options.readyFile).then(() => true, () => false),
    readyTimeoutMs: 30_000,
  });
}

/** Every connection's bytes, in the order the connections ended. */
export async function recordedRequests(recordFile: string): Promise<string[]> {
  const text = await Deno.readTextFile(recordFile).catch(() => "");
  return text.split("\n").filter((line) => line !== "").map((line) =>
    JSON.parse(line)
  );
}

/** Reads `conn` until it is quiet for `quietMs` or ends. */
async function readUntilQuiet(conn: Deno.Conn, quietMs: number) {
  const received: number[] = [];
  const buffer = new Uint8Array(64 * 1024);
  while (true) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const quiet = new Promise<"quiet">((resolve) => {
      timer = setTimeout(() => resolve("quiet"), quietMs);
    });
    const read = await Promise.race([conn.read(buffer), quiet]);
    clearTimeout(timer);
    if (read === "quiet" || read === null) break;
    received.push(...buffer.subarray(0, read));
  }
  return String.fromCharCode(...received);
}

async function serve(conn: Deno.Conn, recordFile: string): Promise<void> {
  try {
    const received = await readUntilQuiet(conn, 300);
    await Deno.writeTextFile(recordFile, JSON.stringify(received) + "\n", {
      append: true,
    });
    const answer = "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n" +
      "Connection: close\r\n\r\nrecorded\n";
    await conn.write(new TextEncoder().encode(answer));
  } finally {
    conn.close();
  }
}

if (import.meta.main) {
  const [address, port, recordFile, ready] = Deno.args;
  const listener = Deno.listen({ hostname: address, port: Number(port) });
  await Deno.writeTextFile(ready, "ready\n");
  Deno.addSignalListener("SIGTERM", () => listener.close());
  try {
    for await (const conn of listener) serve(conn, recordFile).catch(() => {});
  } catch {
    // Closed on SIGTERM.
  }
}
