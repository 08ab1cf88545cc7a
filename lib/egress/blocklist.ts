/**
 * Block lists in the formats Pi-hole accepts: hosts-file lines
 * (`0.0.0.0 ads.example`), plain domains one per line, and adblock-style
 * `||example.org^` (the domain and everything below it). Comments (`#`,
 * `!`) and blank lines are skipped; lines in none of these forms are
 * counted as ignored, as Pi-hole ignores them.
 *
 * @module
 */
import { parseIpAddress } from "./ip_address.ts";

/** Where a blocked name came from, for the log's `rule`. */
export interface BlockSource {
  /** The list file as given in the policy. */
  file: string;
  /** 1-based line. */
  line: number;
}

/** A set of blocked names, exact and with subdomains. */
export interface Blocklist {
  /** Names blocked exactly. */
  exact: Map<string, BlockSource>;
  /** Names blocked together with all their subdomains. */
  subtree: Map<string, BlockSource>;
  /** Lines in no known format. */
  ignored: number;
}

const DOMAIN =
  /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** An empty block list. */
export function emptyBlocklist(): Blocklist {
  return { exact: new Map(), subtree: new Map(), ignored: 0 };
}

/** Adds the entries of one list file's `text` to `into` (first source wins). */
export function parseBlocklist(
  text: string,
  file: string,
  into: Blocklist = emptyBlocklist(),
): Blocklist {
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const source = { file, line: index + 1 };
    const line = raw.replace(/#.*$/, "").trim().toLowerCase();
    if (line === "" || line.startsWith("!") || line.startsWith("[")) return;
    const adblock = /^\|\|([^|^$/]+)\^$/.exec(line);
    if (adblock) {
      const name = adblock[1].replace(/\.$/, "");
      if (DOMAIN.test(name)) {
        if (!into.subtree.has(name)) into.subtree.set(name, source);
      } else into.ignored++;
      return;
    }
    const fields = line.split(/\s+/);
    const names = fields.length > 1 && parseIpAddress(fields[0])
      ? fields.slice(1)
      : fields.length === 1
      ? fields
      : [];
    let added = false;
    for (const field of names) {
      const name = field.replace(/\.$/, "");
      if (DOMAIN.test(name) && !parseIpAddress(name)) {
        if (!into.exact.has(name)) into.exact.set(name, source);
        added = true;
      }
    }
    if (!added) into.ignored++;
  });
  return into;
}

/** The entry that blocks the normalised host `name`, if any. */
export function blockedBy(
  list: Blocklist,
  name: string,
): BlockSource | undefined {
  const exact = list.exact.get(name);
  if (exact) return exact;
  let suffix = name;
  while (true) {
    const hit = list.subtree.get(suffix);
    if (hit) return hit;
    const dot = suffix.indexOf(".");
    if (dot < 0) return undefined;
    suffix = suffix.slice(dot + 1);
  }
}
