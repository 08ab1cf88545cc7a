/**
 * Host networking for `network: tap`: the plan, applying it, and TAP names.
 *
 * @module
 */
export * from "./apply.ts";
export * from "./tap_network.ts";
