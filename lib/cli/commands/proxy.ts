import { Command } from "@commander-js/extra-typings";
import type { CliContext } from "../context.ts";
import { CliError, ExitCode } from "../errors.ts";
import { RecipeError } from "../../recipe/mod.ts";
import {
  defaultEgressLog,
  formatRecord,
  type HostsTable,
  type LoadedPolicy,
  loadPolicyFile,
  parseHostsFile,
  parseListenAddress,
  readLog,
  startEgressProxy,
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
      if (!options.policy) {
        throw new CliError(
          "qubesify proxy: pass --policy FILE (YAML with allow: [{host: example.org, ports: [443]}])",
          ExitCode.usage,
        );
      }
      let listen;
      try {
        listen = parseListenAddress(options.listen);
      } catch (error) {
        throw new CliError(`qubesify proxy: ${message(error)}`, ExitCode.usage);
      }
      const loaded = await loadPolicy(options.policy);
      const hosts = options.hosts
        ? await loadHosts(options.hosts)
        : loaded.hosts;
      const log = options.log ?? loaded.policy.log ??
        defaultEgressLog(context.paths());
      let server;
      try {
        server = await startEgressProxy({
          listen,
          policy: loaded.policy,
          blocklist: loaded.blocklist,
          hosts,
          vm: options.vm,
          log,
        });
      } catch (error) {
        throw new CliError(
          `qubesify proxy: cannot listen on ${options.listen}: ${
            message(error)
          }`,
        );
      }
      await using _ = server;
      context.err(
        `qubesify proxy: listening on ${
          describeAddr(server.addr)
        }, logging to ${log}\n`,
      );
      await untilSignalled();
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
      const log = options.log ??
        (options.policy
          ? (await loadPolicy(options.policy)).policy.log
          : undefined) ??
        defaultEgressLog(context.paths());
      try {
        await Deno.stat(log);
      } catch {
        throw new CliError(
          `qubesify proxy log: no request log at ${log} yet (start qubesify proxy, or pass --log FILE)`,
        );
      }
      for await (
        const record of readLog({
          path: log,
          follow: options.follow,
          vm: options.vm,
        })
      ) {
        context.out(
          (options.json ? JSON.stringify(record) : formatRecord(record)) + "\n",
        );
      }
    });
  return proxy;
}

async function loadPolicy(file: string): Promise<LoadedPolicy> {
  try {
    return await loadPolicyFile(file);
  } catch (error) {
    if (error instanceof RecipeError) {
      throw new CliError(`qubesify proxy: invalid policy:\n${error.message}`);
    }
    throw new CliError(`qubesify proxy: ${file}: ${message(error)}`);
  }
}

async function loadHosts(file: string): Promise<HostsTable> {
  try {
    return parseHostsFile(await Deno.readTextFile(file), file);
  } catch (error) {
    throw new CliError(`qubesify proxy: --hosts ${message(error)}`);
  }
}

function untilSignalled(): Promise<void> {
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  return new Promise((resolve) => {
    const stop = () => {
      for (const signal of signals) Deno.removeSignalListener(signal, stop);
      resolve();
    };
    for (const signal of signals) Deno.addSignalListener(signal, stop);
  });
}

function describeAddr(addr: Deno.Addr): string {
  if (addr.transport === "tcp") {
    return addr.hostname.includes(":")
      ? `[${addr.hostname}]:${addr.port}`
      : `${addr.hostname}:${addr.port}`;
  }
  return "path" in addr ? addr.path : addr.transport;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
