/**
 * A VM's network, held for as long as the VM runs: for `network: tap`, a
 * pre-created TAP device (the recipe's own, or the first free `qs-tapN`)
 * that no other VM of this user may take meanwhile.
 *
 * @module
 */
import { join } from "node:path";
import type { AppRecipe } from "../recipe/mod.ts";
import { deviceExists, TAP_NETWORK, tapDevice } from "../net/mod.ts";
import { QubesifyError } from "../errors/mod.ts";
import { claimFirstFree } from "./claim.ts";
import type { VmNetwork } from "./qemu_args.ts";

/** The network a VM gets; leaving an `await using` scope gives it back. */
export interface NetworkClaim extends AsyncDisposable {
  /** What QEMU attaches. */
  network: VmNetwork;
}

/** No TAP device is free, or the recipe's own is missing or taken. */
export class NoTapDeviceError extends QubesifyError {}

/** What {@linkcode claimNetwork} needs. */
export interface NetworkClaimOptions {
  /** The recipe's network. */
  network: AppRecipe["network"];
  /** Where TAP claims live (`<claims>/taps`). */
  claimsDir: string;
  /** Whether a TAP device exists; the host's `ip link` by default. */
  deviceExists?: (name: string) => Promise<boolean>;
}

/**
 * Claims the VM's network. `none` and `proxy` give the guest no NIC (the
 * proxy is reached over vsock), `user` is QEMU's NAT, `tap` a claimed device.
 *
 * @example
 * ```ts
 * import { claimNetwork } from "./network_claim.ts";
 * await using claim = await claimNetwork({
 *   network: { mode: "user" },
 *   claimsDir: "/run/user/1000/qubesify/.claims",
 * });
 * console.log(claim.network); // { mode: "user" }
 * ```
 */
export async function claimNetwork(
  options: NetworkClaimOptions,
): Promise<NetworkClaim> {
  const nothingToRelease = () => Promise.resolve();
  const { network } = options;
  if (network.mode !== "tap") {
    return {
      network: { mode: network.mode === "user" ? "user" : "none" },
      [Symbol.asyncDispose]: nothingToRelease,
    };
  }
  const pinned = network.tap;
  const claim = await claimFirstFree({
    dir: join(options.claimsDir, "taps"),
    pid: Deno.pid,
    candidates: pinned
      ? [pinned]
      : Array.from({ length: TAP_NETWORK.maxDevices }, (_, index) =>
        tapDevice(index)),
    usable: options.deviceExists ?? deviceExists,
  });
  if (!claim) {
    throw new NoTapDeviceError(
      pinned
        ? `TAP device ${pinned} does not exist or another VM uses it`
        : "no free TAP device; create more with `sudo qubesify net setup --apply --devices N`",
    );
  }
  return {
    network: { mode: "tap", device: claim.name },
    [Symbol.asyncDispose]: claim.release,
  };
}
