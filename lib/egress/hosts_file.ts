/**
 * A hosts-format file (`address name [alias...]`) the proxy consults before
 * DNS: tests map names to their local servers with it, users pin names.
 *
 * @module
 */
import { type IpAddress, parseIpAddress } from "./ip_address.ts";
import { HostNameError, normalizeHost } from "./host_name.ts";
import { QubesifyError } from "../errors/mod.ts";

/** Names mapped to their addresses, in file order. */
export type HostsTable = ReadonlyMap<string, readonly IpAddress[]>;

/** A line of the hosts file is not `address name...`. */
export class HostsFileError extends QubesifyError {
  /** Names the file, line and problem. */
  constructor(file: string, line: number, message: string) {
    super(`${file}:${line}: ${message}`);
  }
}

/** Parses hosts-file text; throws {@linkcode HostsFileError} on bad lines. */
export function parseHostsFile(text: string, file: string): HostsTable {
  const table = new Map<string, IpAddress[]>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") return;
    const [first, ...names] = line.split(/\s+/);
    const address = parseIpAddress(first);
    if (!address) {
      throw new HostsFileError(
        file,
        index + 1,
        `"${first}" is not an IP address; expected lines like "203.0.113.5 example.org"`,
      );
    }
    if (names.length === 0) {
      throw new HostsFileError(
        file,
        index + 1,
        "no host name after the address",
      );
    }
    for (const text of names) {
      let host;
      try {
        host = normalizeHost(text);
      } catch (error) {
        if (!(error instanceof HostNameError)) throw error;
        throw new HostsFileError(
          file,
          index + 1,
          `"${text}": ${error.message}`,
        );
      }
      const list = table.get(host.name) ?? [];
      list.push(address);
      table.set(host.name, list);
    }
  });
  return table;
}
