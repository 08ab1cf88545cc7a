/**
 * Carrying out a {@linkcode TapSetupPlan} as root.
 *
 * @module
 */
import { join } from "node:path";
import { capture } from "../exec/mod.ts";
import type { TapSetupPlan } from "./tap_network.ts";
import { QubesifyError } from "../errors/mod.ts";

/** A setup command that failed, with its own words. */
export class NetSetupError extends QubesifyError {
  /** Wraps a one-line reason. */
  constructor(message: string) {
    super(message);
  }
}

/**
 * Runs the plan's commands in order, then loads the ruleset. Re-running is
 * safe: an `add` of something that already exists counts as done.
 */
export async function applyTapSetup(
  plan: TapSetupPlan,
  report: (line: string) => void,
): Promise<void> {
  for (const [program, ...args] of plan.commands) {
    const result = await capture({ program, args, timeoutMs: 30_000 });
    const said = result.stderr.trim();
    if (result.code === 0) {
      report(`ok: ${[program, ...args].join(" ")}\n`);
    } else if (args.includes("add") && /exists|already assigned/i.test(said)) {
      report(`already there: ${[program, ...args].join(" ")}\n`);
    } else {
      throw new NetSetupError(
        `${[program, ...args].join(" ")} failed: ${
          said || `exit ${result.code}`
        }`,
      );
    }
  }
  const dir = await Deno.makeTempDir({ prefix: "qubesify-nft-" });
  try {
    const rules = join(dir, "qubesify.nft");
    await Deno.writeTextFile(rules, plan.ruleset);
    const result = await capture({
      program: "nft",
      args: ["-f", rules],
      timeoutMs: 30_000,
    });
    if (result.code !== 0) {
      throw new NetSetupError(
        `nft -f failed: ${result.stderr.trim() || `exit ${result.code}`}`,
      );
    }
    report("ok: nft ruleset inet qubesify loaded\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Whether a network device exists (`ip link show dev NAME`). */
export async function deviceExists(name: string): Promise<boolean> {
  const result = await capture({
    program: "ip",
    args: ["-o", "link", "show", "dev", name],
    timeoutMs: 10_000,
  });
  return result.code === 0;
}
