/**
 * Reading and comparing the versions programs print about themselves.
 *
 * @module
 */

/** A dotted version as numbers, e.g. `[7, 2, 22]`. */
export type Version = readonly number[];

/**
 * Finds the first dotted version after `prefix` in `text`
 * (`QEMU emulator version 7.2.22 (Debian …)` with prefix `version`).
 */
export function findVersion(text: string, prefix: string): Version | undefined {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`${escaped}\\s+v?(\\d+(?:\\.\\d+)+)`).exec(text);
  return match ? match[1].split(".").map(Number) : undefined;
}

/** Compares two versions: negative, zero or positive like a sort comparator. */
export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** Formats a version as dotted text. */
export function formatVersion(version: Version): string {
  return version.join(".");
}
