import { Command } from "@commander-js/extra-typings";
import type { CliContext } from "../context.ts";
import { NotBuiltYetError } from "../errors.ts";

/** `qubesify relay host|viewer`: the split-topology vsock relays. */
export function relayCommand(_context: CliContext) {
  const relay = new Command("relay")
    .description(
      "vsock relays for the split topology (VMs on a host, desktop in a viewer VM).",
    );
  relay.command("host")
    .description(
      "Forward micro VM connections to the viewer VM, prefixed with the peer CID.",
    )
    .requiredOption("--viewer-cid <cid>", "vsock CID of the viewer VM")
    .action(() => {
      throw new NotBuiltYetError("relay host");
    });
  relay.command("viewer")
    .description(
      "Accept forwarded connections and relay each to the socket its VM may use.",
    )
    .requiredOption("--policy <file>", "policy file mapping CIDs to services")
    .action(() => {
      throw new NotBuiltYetError("relay viewer");
    });
  return relay;
}
