/**
 * Name resolution for the proxy: the hosts table first, then DNS (A and
 * AAAA). The proxy checks every address returned here and then connects to
 * exactly those, so a second lookup can never swap in another address.
 *
 * @module
 */
import { errorMessage } from "../errors/mod.ts";
import type { HostsTable } from "./hosts_file.ts";
import { type IpAddress, parseIpAddress } from "./ip_address.ts";

/** Resolves a normalised host name to its addresses (IPv4 first). */
export type Resolve = (
  name: string,
  signal: AbortSignal,
) => Promise<IpAddress[]>;

/** A resolver consulting `hosts` before DNS. */
export function createResolver(hosts: HostsTable = new Map()): Resolve {
  return async (name, signal) => {
    const pinned = hosts.get(name);
    if (pinned) return [...pinned];
    const lookups = await Promise.allSettled([
      Deno.resolveDns(name, "A", { signal }),
      Deno.resolveDns(name, "AAAA", { signal }),
    ]);
    const addresses: IpAddress[] = [];
    let failure: unknown;
    for (const lookup of lookups) {
      if (lookup.status === "rejected") {
        if (!(lookup.reason instanceof Deno.errors.NotFound)) {
          failure ??= lookup.reason;
        }
        continue;
      }
      for (const text of lookup.value) {
        const address = parseIpAddress(text);
        if (address) addresses.push(address);
      }
    }
    if (addresses.length === 0 && failure) throw failure;
    return addresses;
  };
}

/**
 * The host's own addresses, from its interfaces. Deno needs the
 * `sys: networkInterfaces` permission for this.
 */
export function hostAddresses(): IpAddress[] {
  let interfaces: Deno.NetworkInterfaceInfo[];
  try {
    interfaces = Deno.networkInterfaces();
  } catch (error) {
    throw new Error(
      `cannot list the host's network interfaces to keep the proxy off its own addresses (Deno needs --allow-sys=networkInterfaces): ${
        errorMessage(error)
      }`,
    );
  }
  const addresses: IpAddress[] = [];
  for (const entry of interfaces) {
    const address = parseIpAddress(entry.address.replace(/%.*$/, ""));
    if (address) addresses.push(address);
  }
  return addresses;
}
