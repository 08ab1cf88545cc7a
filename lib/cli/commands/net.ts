import { Command, InvalidArgumentError } from "@commander-js/extra-typings";
import type { CliContext } from "../context.ts";
import { CliError, ExitCode } from "../errors.ts";
import { errorMessage } from "../../errors/mod.ts";
import { applyTapSetup, tapSetupPlan } from "../../net/mod.ts";
import { shellQuote } from "../../guest/mod.ts";

/** `qubesify net setup`: the host side of `network: tap`. */
export function netCommand(context: CliContext) {
  const net = new Command("net")
    .description("Host networking for apps with network: tap.");
  net.command("setup")
    .description(
      "Print (or, as root with --apply, run) the commands that create a bridge, " +
        "TAP devices owned by you, and nftables rules: VMs reach the internet, " +
        "but not each other, the host, or private networks.",
    )
    .option(
      "--devices <n>",
      "TAP devices, one per concurrent VM",
      parseDevices,
      4,
    )
    .option(
      "--user <name>",
      "owner of the TAP devices (default: you, or SUDO_USER)",
    )
    .option("--apply", "run the commands now (needs root)")
    .action(async ({ devices, user, apply }) => {
      const owner = user ?? Deno.env.get("SUDO_USER") ?? Deno.env.get("USER") ??
        "root";
      let plan;
      try {
        plan = tapSetupPlan({ devices, user: owner });
      } catch (error) {
        throw new CliError(errorMessage(error), ExitCode.usage);
      }
      if (!apply) {
        context.out(
          plan.commands.map((argv) =>
            `sudo ${argv.map(displayQuote).join(" ")}\n`
          ).join("") +
            `sudo nft -f - <<'EOF'\n${plan.ruleset}EOF\n`,
        );
        return;
      }
      if (Deno.uid() !== 0) {
        throw new CliError(
          "--apply: run it as root (sudo), or without --apply to see the commands",
        );
      }
      await applyTapSetup(plan, context.err);
    });
  return net;
}

function parseDevices(value: string): number {
  const devices = Number(value);
  if (!Number.isInteger(devices) || devices < 1) {
    throw new InvalidArgumentError("expected a whole number, 1 or more");
  }
  return devices;
}

/** Quotes a word for a person to paste into a shell; plain words stay plain. */
function displayQuote(word: string): string {
  return /^[\w./:=-]+$/.test(word) ? word : shellQuote(word);
}
