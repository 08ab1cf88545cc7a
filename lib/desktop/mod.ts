/**
 * Desktop menu entries for apps in disposable VMs.
 *
 * @module
 */
export * from "./entry.ts";
export * from "./install.ts";
