/**
 * Which vsock a VM gets: the host kernel's (vhost-vsock), qubesify's own
 * user-space back-end, or none.
 *
 * @module
 */
import type { AppRecipe } from "../recipe/mod.ts";
import { QubesifyError } from "../errors/mod.ts";

/** What `run --vsock` asks for. */
export type VsockMode = "auto" | "kernel" | "user";

/** The vsock a VM gets; undefined: none. */
export type VsockKind = "kernel" | "user" | undefined;

/** The device kernel vsock needs. */
export const VHOST_VSOCK = "/dev/vhost-vsock";

/** `--vsock kernel` on a host where /dev/vhost-vsock is not usable. */
export class KernelVsockUnavailableError extends QubesifyError {}

/**
 * With `auto`: none for an app that uses no host service, else the
 * kernel's when /dev/vhost-vsock is usable and qubesify's own back-end
 * when not. `kernel` and `user` insist.
 *
 * @example
 * ```ts
 * import { chooseVsock } from "./vsock_choice.ts";
 * const app = {
 *   display: "wayland",
 *   audio: "none",
 *   network: { mode: "none" },
 * } as const;
 * chooseVsock({ app, mode: "auto", kernelVsockUsable: false }); // "user"
 * ```
 */
export function chooseVsock(
  options: {
    app: Pick<AppRecipe, "display" | "audio" | "network">;
    mode: VsockMode;
    kernelVsockUsable: boolean;
  },
): VsockKind {
  const { app, mode, kernelVsockUsable } = options;
  if (mode === "kernel" && !kernelVsockUsable) {
    throw new KernelVsockUnavailableError(
      `--vsock kernel needs ${VHOST_VSOCK}: sudo modprobe vhost_vsock, ` +
        "and give yourself access to it (qubesify doctor shows how)",
    );
  }
  if (mode !== "auto") return mode;
  const usesHost = app.display === "wayland" || app.audio !== "none" ||
    app.network.mode === "proxy";
  if (!usesHost) return undefined;
  return kernelVsockUsable ? "kernel" : "user";
}
