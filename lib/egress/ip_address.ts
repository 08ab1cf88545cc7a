/**
 * IP address literals: strict parsing into bytes and canonical formatting.
 * Only the plain forms are accepted (dotted quad without leading zeros,
 * RFC 4291 text for IPv6 without a zone), so "127.1", "0x7f.0.0.1" or
 * "010.0.0.1" can never slip past the address checks as something else.
 *
 * @module
 */

/** A parsed IP address: 4 bytes for IPv4, 16 for IPv6. */
export interface IpAddress {
  /** 4 or 6. */
  family: 4 | 6;
  /** Network-order bytes. */
  bytes: Uint8Array;
}

const OCTET = /^(?:0|[1-9][0-9]{0,2})$/;
const HEXTET = /^[0-9a-fA-F]{1,4}$/;

/** Parses a dotted-quad IPv4 address; undefined when `text` is not one. */
export function parseIpv4(text: string): IpAddress | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!OCTET.test(parts[i])) return undefined;
    const value = Number(parts[i]);
    if (value > 255) return undefined;
    bytes[i] = value;
  }
  return { family: 4, bytes };
}

/** Parses an IPv6 address (no brackets, no zone); undefined when invalid. */
export function parseIpv6(text: string): IpAddress | undefined {
  if (text.length > 45 || text.length < 2) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] === "" ? [] : halves[0].split(":");
  const tail = halves.length === 2 && halves[1] !== ""
    ? halves[1].split(":")
    : [];
  const groups: number[] = [];
  const all = [...head, ...tail];
  // An IPv4 tail ("::ffff:192.0.2.1") counts as two groups.
  let v4: IpAddress | undefined;
  if (all.length > 0 && all[all.length - 1].includes(".")) {
    v4 = parseIpv4(all[all.length - 1]);
    if (!v4) return undefined;
    if (tail.length > 0) tail.pop();
    else head.pop();
  }
  for (const group of [...head, ...tail]) {
    if (!HEXTET.test(group)) return undefined;
  }
  const width = head.length + tail.length + (v4 ? 2 : 0);
  if (halves.length === 1 && width !== 8) return undefined;
  if (halves.length === 2 && width > 7) return undefined;
  for (const group of head) groups.push(parseInt(group, 16));
  for (let i = width; i < 8 && halves.length === 2; i++) groups.push(0);
  for (const group of tail) groups.push(parseInt(group, 16));
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  if (v4) bytes.set(v4.bytes, 12);
  return { family: 6, bytes };
}

/** Parses either family; undefined when `text` is no address literal. */
export function parseIpAddress(text: string): IpAddress | undefined {
  return text.includes(":") ? parseIpv6(text) : parseIpv4(text);
}

/** Canonical text (RFC 5952 for IPv6: lowercase, longest zero run as ::). */
export function formatIpAddress(address: IpAddress): string {
  const { bytes } = address;
  if (address.family === 4) return [...bytes].join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(":");
  const left = hex.slice(0, bestStart).join(":");
  const right = hex.slice(bestStart + bestLength).join(":");
  return `${left}::${right}`;
}

/** Whether two addresses are the same (IPv4-mapped IPv6 equals its IPv4). */
export function sameAddress(a: IpAddress, b: IpAddress): boolean {
  const x = unmapped(a);
  const y = unmapped(b);
  if (x.family !== y.family) return false;
  return x.bytes.every((byte, i) => byte === y.bytes[i]);
}

/** The IPv4 address inside an IPv4-mapped IPv6 one, else the address itself. */
export function unmapped(address: IpAddress): IpAddress {
  const { bytes } = address;
  if (
    address.family === 6 && bytes.subarray(0, 10).every((b) => b === 0) &&
    bytes[10] === 0xff && bytes[11] === 0xff
  ) {
    return { family: 4, bytes: bytes.slice(12) };
  }
  return address;
}
