/**
 * qubesify: run desktop applications in disposable QEMU micro VMs, shown on
 * the host's Wayland desktop. This module is the library behind the
 * `qubesify` command: recipes, host checks, kernel and template builds,
 * booting VMs, the vsock relay and user-space vsock back-end, the egress
 * proxy, state paths and the CLI itself.
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
export * from "./lib/kernel/mod.ts";
export * from "./lib/image/mod.ts";
export * from "./lib/vm/mod.ts";
export * from "./lib/schedule/mod.ts";
export * from "./lib/desktop/mod.ts";
export * from "./lib/net/mod.ts";
export * from "./lib/state/paths.ts";
export * from "./lib/state/vm_records.ts";
export * from "./lib/relay/mod.ts";
export * from "./lib/egress/mod.ts";
export * from "./lib/vsock/mod.ts";
