/**
 * qubesify: run desktop applications in disposable QEMU micro VMs, shown on
 * the host's Wayland desktop. This module is the library behind the
 * `qubesify` command: recipes, host checks, state paths and the CLI itself.
 *
 * @example
 * ```ts
 * import { loadCatalog, resolveApp, shippedRecipeDirectory } from "./mod.ts";
 * const catalog = await loadCatalog([shippedRecipeDirectory()]);
 * const { app, template } = resolveApp(catalog, "firefox");
 * ```
 *
 * @module
 */
export { buildProgram, runCli, VERSION } from "./lib/cli/program.ts";
export { type CliContext, processContext } from "./lib/cli/context.ts";
export * from "./lib/recipe/mod.ts";
export * from "./lib/doctor/mod.ts";
export * from "./lib/state/paths.ts";
export {
  type GuestProbeOptions,
  type GuestProbeResult,
  probeGuest,
} from "./lib/vm/accel_probe.ts";
