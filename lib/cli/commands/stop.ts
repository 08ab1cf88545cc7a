import { Command } from "@commander-js/extra-typings";
import type { CliContext } from "../context.ts";
import { CliError } from "../errors.ts";
import { isProcessAlive, sendSignal } from "../../exec/mod.ts";
import { readLiveVmRecords } from "../../state/mod.ts";

/** How long `stop` waits for the owner's graceful shutdown. */
const GRACEFUL_MS = 30_000;

/** `qubesify stop <vm>`: shut a VM down. */
export function stopCommand(context: CliContext) {
  return new Command("stop")
    .description(
      "Stop a running VM: its app gets SIGTERM, then the VM is ended; " +
        "killed after 30 s if it does not end by itself.",
    )
    .argument("<vm>", "VM name as shown by `qubesify ls`")
    .action(async (name) => {
      const vms = await readLiveVmRecords(context.paths().runtime);
      const vm = vms.find((candidate) => candidate.name === name);
      if (!vm) {
        const running = vms.map((candidate) => candidate.name).join(", ") ||
          "none";
        throw new CliError(
          `no running VM named "${name}" (running: ${running})`,
        );
      }
      // The owning `qubesify run` stops the app gracefully and cleans up;
      // without an owner, QEMU itself is asked to quit.
      const owner = await isProcessAlive(vm.ownerPid);
      await sendSignal(owner ? vm.ownerPid : vm.pid, "TERM");
      if (!await waitForExit(vm.pid, GRACEFUL_MS)) {
        await sendSignal(vm.pid, "KILL");
        await waitForExit(vm.pid, 5_000);
        context.err(
          `qubesify stop: ${name} did not stop in time and was killed\n`,
        );
      }
      context.out(`stopped ${name}\n`);
    });
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!await isProcessAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !await isProcessAlive(pid);
}
