import { Command } from "@commander-js/extra-typings";
import type { CliContext } from "../context.ts";
import { CliError, ExitCode } from "../errors.ts";
import { errorMessage } from "../../errors/mod.ts";
import { withInterruption } from "../../exec/mod.ts";
import {
  formatListenAddress,
  formatRecord,
  type ListenAddress,
  parseListenAddress,
  readProxyLog,
  serveProxy,
} from "../../egress/mod.ts";

/** `qubesify proxy`: the allow-listing, logging egress proxy. */
export function proxyCommand(context: CliContext) {
  // Positional options: `proxy log --log F` is the log command's --log,
  // not the proxy's.
  const proxy = new Command("proxy")
    .enablePositionalOptions()
    .description(
      "Run the allow-listing, logging HTTP(S) egress proxy used by network: proxy.",
    )
    .option(
      "--listen <addr:port>",
      "TCP address:port, or a UNIX socket path",
      "127.0.0.1:3128",
    )
    .option(
      "--policy <file>",
      "policy file (YAML: allow, deny, blocklists, log, limits)",
    )
    .option("--log <file>", "JSONL request log (overrides the policy's log)")
    .option(
      "--hosts <file>",
      "hosts-format file consulted before DNS (instead of the policy's hosts:)",
    )
    .option("--vm <name>", "VM name to tag every log record with")
    .action(async (options) => {
      const policyFile = options.policy;
      if (!policyFile) {
        throw new CliError(
          "pass --policy FILE (YAML with allow: [{host: example.org, ports: [443]}])",
          ExitCode.usage,
        );
      }
      const listen = listenAddress(options.listen);
      await withInterruption((signal) =>
        serveProxy({
          listen,
          policyFile,
          hostsFile: options.hosts,
          log: options.log,
          vm: options.vm,
          paths: context.paths(),
          signal,
          onListening: ({ addr, log }) =>
            context.err(
              `qubesify proxy: listening on ${
                formatListenAddress(addr)
              }, logging to ${log}\n`,
            ),
        })
      );
    });
  proxy.command("log")
    .description("Print the proxy's request log.")
    .option("-f, --follow", "keep printing new records")
    .option("--vm <name>", "only records of this VM")
    .option(
      "--log <file>",
      "the log file (default: the policy's or the standard one)",
    )
    .option("--policy <file>", "read the log named by this policy file")
    .option("--json", "print the records as JSON lines")
    .action(async (options) => {
      const records = readProxyLog({
        log: options.log,
        policyFile: options.policy,
        paths: context.paths(),
        follow: options.follow,
        vm: options.vm,
      });
      for await (const record of records) {
        context.out(
          (options.json ? JSON.stringify(record) : formatRecord(record)) + "\n",
        );
      }
    });
  return proxy;
}

/** `--listen`, or a usage error saying the accepted forms. */
function listenAddress(text: string): ListenAddress {
  try {
    return parseListenAddress(text);
  } catch (error) {
    throw new CliError(errorMessage(error), ExitCode.usage);
  }
}
