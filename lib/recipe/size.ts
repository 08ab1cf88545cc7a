/**
 * Memory and disk sizes written the way QEMU users write them: `512M`, `2G`.
 *
 * @module
 */

const SIZE_PATTERN = /^([1-9][0-9]*)([KMGT])(?:i?B)?$/i;
const UNIT_SHIFT: Record<string, bigint> = { K: 10n, M: 20n, G: 30n, T: 40n };

/** Whether `text` is a size {@linkcode parseSize} accepts. */
export function isSize(text: string): boolean {
  return SIZE_PATTERN.test(text.trim());
}

/**
 * Parses a size with a binary unit suffix (`K`, `M`, `G`, `T`, optionally
 * followed by `iB` or `B`) into bytes. Throws on anything else, since a bare
 * number is ambiguous (QEMU reads it as MiB, people as bytes).
 */
export function parseSize(text: string): number {
  const match = SIZE_PATTERN.exec(text.trim());
  if (!match) throw new RangeError(`expected a size like 2G, got "${text}"`);
  const bytes = BigInt(match[1]) << UNIT_SHIFT[match[2].toUpperCase()];
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`size "${text}" is too large`);
  }
  return Number(bytes);
}

/** Formats bytes with the largest binary unit that divides them, e.g. `2G`. */
export function formatSize(bytes: number): string {
  for (const unit of ["T", "G", "M", "K"]) {
    const factor = 2 ** Number(UNIT_SHIFT[unit]);
    if (bytes >= factor && bytes % factor === 0) {
      return `${bytes / factor}${unit}`;
    }
  }
  return `${bytes}B`;
}
