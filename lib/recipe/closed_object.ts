/**
 * Objects that reject unknown keys and say which keys they know.
 *
 * @module
 */
import { z } from "zod";

/**
 * A strict zod object whose unknown-key issue lists the keys it accepts, so
 * a typo like `memroy:` is answered with the right spelling. `expected`
 * replaces the generic wording when the value is not a mapping at all.
 */
export function closedObject<Shape extends z.ZodRawShape>(
  shape: Shape,
  expected?: string,
) {
  const known = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === "unrecognized_keys") {
        return `expected one of: ${known}`;
      }
      if (issue.code === "invalid_type" && expected) return expected;
      return undefined;
    },
  });
}
