/**
 * Two network namespaces for the egress tests: "proxy" (where the proxy
 * runs, as on a host) and "internet" (test servers on RFC 5737
 * documentation addresses, plus one private address), joined by a veth
 * pair. Names are unique per run; disposing deletes both namespaces.
 *
 * @module
 */
import { mustRun } from "../must_run.ts";

/** The namespaces and the addresses in them. */
export interface EgressNetwork extends AsyncDisposable {
  /** Where the proxy runs. */
  proxy: string;
  /** Where the servers run. */
  internet: string;
  /** The proxy namespace's own address. */
  proxyAddress: string;
}

/** The web server's public address. */
export const WEB_ADDRESS = "203.0.113.10";
/** The SSH server's public address. */
export const SSH_ADDRESS = "203.0.113.11";
/** The web server's public IPv6 address. */
export const WEB_ADDRESS6 = "2001:db8::10";
/** A private address the web server also answers on. */
export const PRIVATE_ADDRESS = "10.99.0.2";

/** Runs `ip` with `args`; throws with its output when it fails. */
export async function ip(args: string[]): Promise<void> {
  await mustRun("ip", args);
}

/** Creates the namespaces, links and routes. */
export async function createEgressNetwork(): Promise<EgressNetwork> {
  const suffix = crypto.randomUUID().slice(0, 8);
  const proxy = `qs-egress-p-${suffix}`;
  const internet = `qs-egress-i-${suffix}`;
  const created: string[] = [];
  const dispose = async () => {
    for (const name of created.reverse()) {
      await ip(["netns", "delete", name]).catch(() => {});
    }
  };
  try {
    for (const name of [proxy, internet]) {
      await ip(["netns", "add", name]);
      created.push(name);
      await ip(["-n", name, "link", "set", "lo", "up"]);
    }
    await ip([
      "link",
      "add",
      "veth-p",
      "netns",
      proxy,
      "type",
      "veth",
      "peer",
      "name",
      "veth-i",
      "netns",
      internet,
    ]);
    const addresses: [string, string, string][] = [
      [proxy, "veth-p", "198.51.100.1/24"],
      [internet, "veth-i", "198.51.100.2/24"],
      [internet, "veth-i", `${WEB_ADDRESS}/32`],
      [internet, "veth-i", `${SSH_ADDRESS}/32`],
      [internet, "veth-i", `${PRIVATE_ADDRESS}/32`],
      [proxy, "veth-p", "2001:db8:1::1/64"],
      [internet, "veth-i", "2001:db8:1::2/64"],
      [internet, "veth-i", `${WEB_ADDRESS6}/128`],
    ];
    for (const [namespace, device, address] of addresses) {
      // nodad: an IPv6 address is usable at once, without duplicate
      // address detection.
      const nodad = address.includes(":") ? ["nodad"] : [];
      await ip([
        "-n",
        namespace,
        "addr",
        "add",
        address,
        "dev",
        device,
        ...nodad,
      ]);
    }
    await ip(["-n", proxy, "link", "set", "veth-p", "up"]);
    await ip(["-n", internet, "link", "set", "veth-i", "up"]);
    for (const range of ["203.0.113.0/24", "10.99.0.0/24"]) {
      await ip(["-n", proxy, "route", "add", range, "via", "198.51.100.2"]);
    }
    await ip([
      "-n",
      proxy,
      "route",
      "add",
      "2001:db8::/64",
      "via",
      "2001:db8:1::2",
    ]);
  } catch (error) {
    await dispose();
    throw error;
  }
  return {
    proxy,
    internet,
    proxyAddress: "198.51.100.1",
    [Symbol.asyncDispose]: dispose,
  };
}
