import { Command } from "@commander-js/extra-typings";
import type { CliContext } from "../context.ts";
import { NotBuiltYetError } from "../errors.ts";

/** `qubesify proxy`: the allow-listing, logging egress proxy. */
export function proxyCommand(_context: CliContext) {
  const proxy = new Command("proxy")
    .description(
      "Run the allow-listing, logging HTTP(S) egress proxy used by network: proxy.",
    )
    .option("--listen <addr:port>", "address to listen on", "127.0.0.1:3128")
    .option(
      "--policy <file>",
      "policy file (YAML: allow, deny, blocklists, log)",
    )
    .option("--log <file>", "JSONL request log (overrides the policy's log)")
    .option("--hosts <file>", "hosts-format file consulted before DNS")
    .action(() => {
      throw new NotBuiltYetError("proxy");
    });
  proxy.command("log")
    .description("Print the proxy's request log.")
    .option("-f, --follow", "keep printing new records")
    .option("--vm <name>", "only records of this VM")
    .action(() => {
      throw new NotBuiltYetError("proxy log");
    });
  return proxy;
}
