/**
 * The regular from-scratch rebuild, as a systemd user timer.
 *
 * @module
 */
export * from "./schedule.ts";
export * from "./units.ts";
