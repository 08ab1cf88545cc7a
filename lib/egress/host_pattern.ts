/**
 * Host patterns of a policy: `example.org` matches that name only,
 * `*.example.org` matches every name below it (not example.org itself).
 *
 * @module
 */

/** Whether the normalised host `name` matches `pattern`. */
export function matchesHostPattern(pattern: string, name: string): boolean {
  if (pattern.startsWith("*.")) {
    const suffix = pattern.slice(1);
    return name.length > suffix.length && name.endsWith(suffix);
  }
  return name === pattern;
}
