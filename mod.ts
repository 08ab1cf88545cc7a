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
export {
  buildProgram,
  type CliContext,
  processContext,
  runCli,
  VERSION,
} from "./lib/cli/mod.ts";
export * from "./lib/recipe/mod.ts";
export * from "./lib/doctor/mod.ts";
export * from "./lib/kernel/mod.ts";
export * from "./lib/image/mod.ts";
export * from "./lib/vm/mod.ts";
export * from "./lib/schedule/mod.ts";
export * from "./lib/desktop/mod.ts";
export * from "./lib/net/mod.ts";
export * from "./lib/state/mod.ts";
export * from "./lib/guest/mod.ts";
export * from "./lib/exec/mod.ts";
export * from "./lib/errors/mod.ts";
export * from "./lib/relay/mod.ts";
export * from "./lib/egress/mod.ts";
export * from "./lib/vsock/mod.ts";
