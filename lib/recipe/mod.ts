/**
 * Recipes: YAML documents describing templates (Debian images) and apps
 * (what runs in a VM), validated with every problem located by line and
 * column.
 *
 * @module
 */
export * from "./catalog.ts";
export * from "./colour.ts";
export * from "./display_policy.ts";
export * from "./guest_path.ts";
export * from "./parse.ts";
export * from "./problem.ts";
export * from "./proxy_policy.ts";
export * from "./schema.ts";
export * from "./size.ts";
