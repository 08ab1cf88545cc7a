/**
 * Moving bytes between the client and the destination once a request is
 * allowed: both ways for a CONNECT tunnel, the answer back for plain HTTP.
 * An end of stream on one side becomes a half-close on the other, so
 * protocols that finish one direction first (git, TLS close_notify) work;
 * a read or write error closes both. Counts go to the log record as the
 * bytes are written on; activity is reported for the idle timeout.
 *
 * @module
 */
import { closeQuietly, writeAll } from "../io/mod.ts";
import type { EgressRecord } from "./log_record.ts";

/** What {@linkcode relayBytes} connects. */
export interface ByteRelayOptions {
  /** The proxy's client. */
  client: Deno.Conn;
  /** The destination. */
  upstream: Deno.Conn;
  /** Bytes the client sent after its request head; they go first. */
  early: Uint8Array;
  /**
   * "tunnel": until both directions have ended. "http": until the
   * destination has answered and closed (the request said
   * `Connection: close`).
   */
  mode: "tunnel" | "http";
  /** Grows by every byte written on, each way. */
  counts: Pick<EgressRecord, "bytes_up" | "bytes_down">;
  /** Called whenever bytes move. */
  onActivity: () => void;
}

/** Copies between the two ends until `mode` says the exchange is over. */
export async function relayBytes(options: ByteRelayOptions): Promise<void> {
  const { client, upstream, early } = options;
  if (early.length > 0) {
    await writeAll(upstream, early);
    options.counts.bytes_up += early.length;
  }
  const up = pumpBytes(client, upstream, "bytes_up", options);
  const down = pumpBytes(upstream, client, "bytes_down", options);
  const ended = (end: Promise<"eof" | "error">, to: Deno.Conn) =>
    end.then(async (how) => {
      if (how === "eof") {
        await to.closeWrite().catch(() => {
          // Already closed.
        });
      } else {
        closeQuietly(client);
        closeQuietly(upstream);
      }
    });
  if (options.mode === "http") {
    ended(up, upstream);
    await down;
    return;
  }
  await Promise.all([ended(up, upstream), ended(down, client)]);
}

/** Copies `from` to `to` until end of stream or an error on either. */
async function pumpBytes(
  from: Deno.Conn,
  to: Deno.Conn,
  counter: "bytes_up" | "bytes_down",
  { counts, onActivity }: ByteRelayOptions,
): Promise<"eof" | "error"> {
  const buffer = new Uint8Array(64 * 1024);
  while (true) {
    let read: number | null;
    try {
      read = await from.read(buffer);
    } catch {
      return "error";
    }
    if (read === null) return "eof";
    onActivity();
    try {
      await writeAll(to, buffer.subarray(0, read));
    } catch {
      return "error";
    }
    counts[counter] += read;
    onActivity();
  }
}
