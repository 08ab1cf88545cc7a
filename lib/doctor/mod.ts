/**
 * Host prerequisite checks with the exact fix for Fedora Silverblue and
 * Debian.
 *
 * @module
 */
export * from "./check.ts";
export * from "./checks.ts";
export * from "./doctor.ts";
