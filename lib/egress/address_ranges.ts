/**
 * Destinations the proxy never connects to, whatever the policy says:
 * loopback, link-local, private and unique-local ranges, multicast and
 * reserved space, and the host's own addresses. Addresses that embed an
 * IPv4 address (IPv4-mapped, NAT64, 6to4) are judged by that address.
 *
 * @module
 */
import { formatIpAddress, type IpAddress, sameAddress } from "./ip_address.ts";

/** Why an address is refused: the range's name and its CIDR text. */
export interface DeniedRange {
  /** Short category, e.g. "loopback". */
  category: string;
  /** The range, e.g. "127.0.0.0/8", or the address itself for host addresses. */
  range: string;
}

interface Range {
  category: string;
  prefix: number[];
  bits: number;
  text: string;
}

function range(category: string, text: string): Range {
  const [address, bits] = text.split("/");
  const prefix = address.includes(":")
    ? expandV6Prefix(address)
    : address.split(".").map(Number);
  return { category, prefix, bits: Number(bits), text };
}

function expandV6Prefix(text: string): number[] {
  // Only the ranges below are written here, all of the form "x:y::".
  const groups = text.replace(/::$/, "").split(":").filter((g) => g !== "");
  const bytes: number[] = [];
  for (const group of groups) {
    const value = parseInt(group, 16);
    bytes.push(value >> 8, value & 0xff);
  }
  while (bytes.length < 16) bytes.push(0);
  return bytes;
}

const V4_RANGES: Range[] = [
  range("this-network", "0.0.0.0/8"),
  range("private", "10.0.0.0/8"),
  range("shared-address-space", "100.64.0.0/10"),
  range("loopback", "127.0.0.0/8"),
  range("link-local", "169.254.0.0/16"),
  range("private", "172.16.0.0/12"),
  range("ietf-protocol-assignments", "192.0.0.0/24"),
  range("private", "192.168.0.0/16"),
  range("benchmarking", "198.18.0.0/15"),
  range("multicast", "224.0.0.0/4"),
  range("reserved", "240.0.0.0/4"),
];

const V6_RANGES: Range[] = [
  // ::/96 covers :: (unspecified), ::1 (loopback) and IPv4-compatible forms.
  range("loopback-or-unspecified", "::/96"),
  range("local-nat64", "64:ff9b:1::/48"),
  range("discard", "100::/64"),
  range("unique-local", "fc00::/7"),
  range("link-local", "fe80::/10"),
  range("site-local", "fec0::/10"),
  range("multicast", "ff00::/8"),
];

function inRange(bytes: Uint8Array, candidate: Range): boolean {
  let bits = candidate.bits;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i] & mask) !== (candidate.prefix[i] & mask)) return false;
  }
  return true;
}

/** The IPv4 address an IPv6 address stands for, when it embeds one. */
function embeddedV4(bytes: Uint8Array): Uint8Array | undefined {
  const zeros = (from: number, to: number) =>
    bytes.subarray(from, to).every((b) => b === 0);
  // ::ffff:a.b.c.d (IPv4-mapped)
  if (zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return bytes.slice(12);
  }
  // 64:ff9b::a.b.c.d (well-known NAT64 prefix)
  if (
    bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff &&
    bytes[3] === 0x9b && zeros(4, 12)
  ) {
    return bytes.slice(12);
  }
  // 2002:aabb:ccdd::/48 (6to4)
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return bytes.slice(2, 6);
  return undefined;
}

/**
 * The always-deny range `address` falls in, checking `ownAddresses` (the
 * host's interfaces) too; undefined when the address may be reached.
 */
export function deniedRange(
  address: IpAddress,
  ownAddresses: readonly IpAddress[] = [],
): DeniedRange | undefined {
  if (address.family === 6) {
    const v4 = embeddedV4(address.bytes);
    if (v4) return deniedRange({ family: 4, bytes: v4 }, ownAddresses);
  }
  const ranges = address.family === 4 ? V4_RANGES : V6_RANGES;
  for (const candidate of ranges) {
    if (inRange(address.bytes, candidate)) {
      return { category: candidate.category, range: candidate.text };
    }
  }
  for (const own of ownAddresses) {
    if (sameAddress(address, own)) {
      return { category: "host-address", range: formatIpAddress(address) };
    }
  }
  return undefined;
}
