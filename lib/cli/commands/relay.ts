/**
 * `qubesify relay host|viewer|local`: the split topology's vsock relays,
 * and a dispatcher for VMs on this machine that dial the well-known
 * service ports, as foreground services. `run` needs none of them: each
 * run relays its own VM (lib/relay/vm_relay.ts).
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import type { CliContext } from "../context.ts";
import { CliError, ExitCode } from "../errors.ts";
import {
  RELAY_FORWARD_PORT,
  VM_PORTS_FIRST_CID,
  VM_PORTS_LAST_CID,
} from "../../guest/mod.ts";
import { withInterruption } from "../../exec/mod.ts";
import { writeAllSync } from "../../io/mod.ts";
import {
  FIRST_GUEST_CID,
  LAST_GUEST_CID,
  type RelayReports,
  reportingTo,
  serveForwarder,
  serveLocalVms,
  serveViewer,
} from "../../relay/mod.ts";

const LAST_PORT = 0xffff_fffe;

/**
 * `qubesify relay host|viewer|local`: the split topology's vsock relays,
 * and a dispatcher for VMs that dial the well-known service ports.
 */
export function relayCommand(context: CliContext) {
  const relay = new Command("relay")
    .description(
      "vsock relays: host and viewer for the split topology (VMs on a host, desktop in a viewer VM), local for VMs on this machine that dial the well-known service ports (`qubesify run` relays its own VM and needs none).",
    );
  relay.command("host")
    .description(
      "Forward micro VM connections to the viewer VM, prefixed with the peer CID.",
    )
    .requiredOption("--viewer-cid <cid>", "vsock CID of the viewer VM")
    .option(
      "--viewer-port <port>",
      "vsock port of the viewer's relay",
      String(RELAY_FORWARD_PORT),
    )
    .option(
      "--vm-cid <cid...>",
      "also forward these VMs' own port blocks (VMs given their CID's ports in their launch spec)",
    )
    .action(async (options) => {
      const say = speaker(context, "host");
      const vmCids = (options.vmCid ?? []).map((text) =>
        parseNumber("--vm-cid", text, VM_PORTS_FIRST_CID, VM_PORTS_LAST_CID)
      );
      const cid = parseNumber(
        "--viewer-cid",
        options.viewerCid,
        FIRST_GUEST_CID,
        LAST_GUEST_CID,
      );
      const port = parseNumber(
        "--viewer-port",
        options.viewerPort,
        0,
        LAST_PORT,
      );
      await withInterruption((signal) =>
        serveForwarder({
          viewer: { family: "vsock", cid, port },
          vmCids,
          reports: reports(context, say),
          onListening: (ports) =>
            say(
              `forwarding vsock ports ${
                ports.join(", ")
              } to vsock:${cid}:${port}; Ctrl-C stops`,
            ),
          signal,
        })
      );
      say("stopped");
    });
  relay.command("viewer")
    .description(
      "Accept forwarded connections and relay each to the socket its VM may use.",
    )
    .requiredOption("--policy <file>", "policy file mapping CIDs to services")
    .option(
      "--port <port>",
      "vsock port the host forwarder connects to",
      String(RELAY_FORWARD_PORT),
    )
    .option(
      "--forwarder-cid <cid>",
      "the only CID whose headers are believed (the host)",
      "2",
    )
    .option(
      "--unix <path>",
      "listen on this UNIX socket instead of vsock (a user-space vsock backend's socket); its peers count as the forwarder",
    )
    .action(async (options) => {
      const say = speaker(context, "viewer");
      const port = parseNumber("--port", options.port, 0, LAST_PORT);
      const forwarderCid = parseNumber(
        "--forwarder-cid",
        options.forwarderCid,
        1,
        LAST_GUEST_CID,
      );
      await withInterruption((signal) =>
        serveViewer({
          policyFile: options.policy,
          listen: options.unix
            ? { unixPath: options.unix }
            : { vsockPort: port },
          forwarderCid,
          reports: reports(context, say),
          onListening: () =>
            say(
              `relaying forwarded connections from ${
                options.unix ? `unix:${options.unix}` : `vsock port ${port}`
              } by ${options.policy}; Ctrl-C stops`,
            ),
          signal,
        })
      );
      say("stopped");
    });
  relay.command("local")
    .description(
      "Relay kernel-vsock connections of this machine's registered VMs on the well-known service ports to the sockets each may use; " +
        "it ends with the last such VM. `qubesify run` does not use it: each run relays its own VM on its CID's ports.",
    )
    .option("--log <file>", "append the JSON-line log to this file, not stdout")
    .action(async (options) => {
      using log = options.log
        ? await Deno.open(options.log, { append: true, create: true })
        : undefined;
      const say = speaker(context, "local");
      const encoder = new TextEncoder();
      await withInterruption((signal) =>
        serveLocalVms({
          runtimeDir: context.paths().runtime,
          ...reportingTo({
            log: (line) =>
              log ? writeAllSync(log, encoder.encode(line)) : context.out(line),
            warn: say,
          }),
          signal,
        })
      );
    });
  return relay;
}

/** Status lines on stderr under the subcommand's name. */
function speaker(context: CliContext, command: string) {
  return (message: string) =>
    context.err(`qubesify relay ${command}: ${message}\n`);
}

/** The log on stdout, warnings on stderr. */
function reports(
  context: CliContext,
  warn: (message: string) => void,
): RelayReports {
  return { log: context.out, warn };
}

function parseNumber(
  option: string,
  text: string,
  min: number,
  max: number,
): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) {
    throw new CliError(
      `${option} must be a number from ${min} to ${max}, got "${text}"`,
      ExitCode.usage,
    );
  }
  return value;
}
