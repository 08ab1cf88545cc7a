/**
 * Which images `image gc` may delete.
 *
 * @module
 */

/** The facts about an image that decide whether it may go. */
export interface GcCandidate {
  /** Template it belongs to. */
  template: string;
  /** Version; later versions sort later. */
  version: string;
  /** Path of the image file. */
  path: string;
  /** Whether it is the template's current image. */
  current: boolean;
}

/**
 * Returns the images to delete: per template, everything but the `keep`
 * newest, and never the current image or one a running VM uses.
 */
export function selectForRemoval<T extends GcCandidate>(
  options: { images: readonly T[]; keep: number; inUse: ReadonlySet<string> },
): T[] {
  const byTemplate = new Map<string, T[]>();
  for (const image of options.images) {
    byTemplate.set(image.template, [
      ...byTemplate.get(image.template) ?? [],
      image,
    ]);
  }
  const doomed: T[] = [];
  for (const images of byTemplate.values()) {
    const newestFirst = [...images].sort((a, b) =>
      b.version.localeCompare(a.version)
    );
    for (const image of newestFirst.slice(Math.max(0, options.keep))) {
      if (!image.current && !options.inUse.has(image.path)) doomed.push(image);
    }
  }
  return doomed;
}
