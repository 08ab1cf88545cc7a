/**
 * Test helpers: the proxy in-process on a UNIX socket with a policy and
 * pinned names that keep every request on this machine, a memory sink for
 * its records, a client that sends a request and reads the answer, and
 * connected pairs of TCP connections on loopback.
 *
 * @module
 */
import { join } from "node:path";
import { closeQuietly, writeAll } from "../io/mod.ts";
import { parseBlocklist } from "./blocklist.ts";
import { parseHostsFile } from "./hosts_file.ts";
import { parseIpAddress } from "./ip_address.ts";
import type { EgressRecord } from "./log_record.ts";
import type { RecordSink } from "./log_writer.ts";
import { type EgressProxyOptions, startEgressProxy } from "./proxy_server.ts";

/** Names pinned to loopback, private, mixed and "own" addresses. */
const HOSTS = `
127.0.0.1 localpinned.example
::1 v6loop.example
10.0.0.5 private.example
203.0.113.9 mixed.example
192.168.1.1 mixed.example
198.51.100.1 ownaddr.example
`;

/** Allows the pinned names, so only the address checks refuse them. */
export const POLICY = {
  allow: [
    { host: "example.org" },
    { host: "*.example.net", ports: [443, 8443] },
    { host: "localpinned.example", ports: [443, 22] },
    { host: "v6loop.example" },
    { host: "private.example" },
    { host: "mixed.example" },
    { host: "ownaddr.example" },
    { host: "*.ads.example.org" },
  ],
  deny: ["bad.example.net"],
};

/** A sink that keeps the records in memory. */
function memorySink(): RecordSink & { records: EgressRecord[] } {
  const records: EgressRecord[] = [];
  return { records, write: (r) => records.push(r), close: async () => {} };
}

/** Runs `body` against a proxy on a fresh socket, then closes both. */
export async function withProxy(
  overrides: Partial<EgressProxyOptions>,
  body: (socket: string, records: EgressRecord[]) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-egress-proxy-" });
  const socket = join(dir, "egress.sock");
  const sink = memorySink();
  const proxy = await startEgressProxy({
    listen: { path: socket },
    policy: POLICY,
    blocklist: parseBlocklist("||ads.example.org^\n", "ads.txt"),
    hosts: parseHostsFile(HOSTS, "hosts"),
    vm: "testvm",
    log: sink,
    ownAddresses: () => [parseIpAddress("198.51.100.1")!],
    ...overrides,
  });
  try {
    await body(socket, sink.records);
  } finally {
    await proxy.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Sends `request` and reads until the proxy closes; returns the answer. */
export async function exchange(
  socket: string,
  request: Uint8Array,
): Promise<string> {
  const conn = await Deno.connect({ transport: "unix", path: socket });
  try {
    const writing = writeAll(conn, request).catch(() => {});
    const answer = await new Response(conn.readable).text();
    await writing;
    return answer;
  } finally {
    // The readable stream may have closed it.
    closeQuietly(conn);
  }
}

/** Records are written when a connection ends, a moment after the answer. */
export async function recordCount(
  records: EgressRecord[],
  count: number,
): Promise<void> {
  for (let i = 0; i < 200 && records.length < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The bytes of `value`. */
export const text = (value: string) => new TextEncoder().encode(value);

/** The end of a request line with a Host field and the blank line. */
export const H = "HTTP/1.1\r\nHost: x\r\n\r\n";

/** Two ends of one TCP connection on loopback; disposing closes both. */
export async function connectedPair(): Promise<
  { near: Deno.TcpConn; far: Deno.TcpConn } & Disposable
> {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [near, far] = await Promise.all([
    Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
    listener.accept(),
  ]);
  return {
    near,
    far,
    [Symbol.dispose]: () => {
      closeQuietly(near);
      closeQuietly(far);
    },
  };
}

/** Everything `conn` reads until end of stream, as text; `conn` stays open. */
export async function readToEnd(conn: Deno.Conn): Promise<string> {
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(16 * 1024);
  let received = "";
  while (true) {
    const read = await conn.read(buffer);
    if (read === null) return received + decoder.decode();
    received += decoder.decode(buffer.subarray(0, read), { stream: true });
  }
}
