import { Command } from "@commander-js/extra-typings";
import type { CliContext } from "../context.ts";
import { formatTable } from "../style.ts";
import { formatElapsed, readKernelFile } from "../../exec/mod.ts";
import { formatSize } from "../../recipe/mod.ts";
import {
  readLiveVmRecords,
  removeDeadVmDirs,
  type VmRecord,
} from "../../state/mod.ts";

/** `qubesify ls`: list running VMs. */
export function lsCommand(context: CliContext) {
  return new Command("ls")
    .description(
      "List running VMs: name, app, QEMU pid, uptime, configured memory and resident memory.",
    )
    .option("--json", "print JSON instead of a table")
    .action(async ({ json }) => {
      const runtime = context.paths().runtime;
      await removeDeadVmDirs(runtime);
      const vms = await Promise.all(
        (await readLiveVmRecords(runtime)).map(async (vm) => ({
          ...vm,
          uptimeSeconds: Math.round(
            (Date.now() - Date.parse(vm.startedAt)) / 1000,
          ),
          residentBytes: await residentBytes(vm.pid),
        })),
      );
      if (json) {
        context.out(`${JSON.stringify(vms, null, 2)}\n`);
        return;
      }
      context.out(formatTable([
        ["NAME", "APP", "PID", "UPTIME", "MEMORY", "RESIDENT"],
        ...vms.map((vm) => [
          vm.name,
          vm.app,
          String(vm.pid),
          formatElapsed(vm.uptimeSeconds * 1000),
          formatSize(vm.memoryBytes),
          vm.residentBytes === undefined
            ? "?"
            : `${Math.round(vm.residentBytes / 2 ** 20)}M`,
        ]),
      ]));
    });
}

/** QEMU's resident memory (VmRSS), or undefined when it is gone. */
async function residentBytes(
  pid: VmRecord["pid"],
): Promise<number | undefined> {
  const status = await readKernelFile(`/proc/${pid}/status`) ?? "";
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  return kib === undefined ? undefined : Number(kib) * 1024;
}
