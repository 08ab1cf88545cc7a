import { Command } from "@commander-js/extra-typings";
import type { CliContext } from "../context.ts";
import { CliError, ExitCode } from "../errors.ts";
import type { SocketAddress } from "../../ffi/mod.ts";
import {
  FORWARDED_PORTS,
  readPolicyFile,
  type Relay,
  startDispatcher,
  startForwarder,
} from "../../relay/mod.ts";
import { RELAY_FORWARD_PORT } from "../../guest/mod.ts";
import {
  FIRST_GUEST_CID,
  LAST_GUEST_CID,
  logLine,
  serveLocalVms,
  serveUntilSignal,
} from "../../relay/mod.ts";

function parseNumber(
  command: string,
  option: string,
  text: string,
  min: number,
  max: number,
): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) {
    throw new CliError(
      `qubesify relay ${command}: ${option} must be a number from ${min} to ${max}, got "${text}"`,
      ExitCode.usage,
    );
  }
  return value;
}

async function start(
  command: string,
  starting: () => Promise<Relay>,
): Promise<Relay> {
  try {
    return await starting();
  } catch (error) {
    throw new CliError(
      `qubesify relay ${command}: ${(error as Error).message}`,
    );
  }
}

async function serve(
  context: CliContext,
  command: string,
  relay: Relay,
): Promise<void> {
  try {
    await serveUntilSignal(relay);
  } catch (error) {
    throw new CliError(
      `qubesify relay ${command}: ${(error as Error).message}`,
    );
  }
  context.err(`qubesify relay ${command}: stopped\n`);
}

/**
 * `qubesify relay host|viewer|local`: the split topology's vsock relays,
 * and the local topology's shared dispatcher.
 */
export function relayCommand(context: CliContext) {
  const relay = new Command("relay")
    .description(
      "vsock relays: host and viewer for the split topology (VMs on a host, desktop in a viewer VM), local for VMs on this machine.",
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
    .action(async (options) => {
      const cid = parseNumber(
        "host",
        "--viewer-cid",
        options.viewerCid,
        FIRST_GUEST_CID,
        LAST_GUEST_CID,
      );
      const port = parseNumber(
        "host",
        "--viewer-port",
        options.viewerPort,
        0,
        0xffff_fffe,
      );
      const viewer: SocketAddress = { family: "vsock", cid, port };
      const forwarder = await start("host", () =>
        startForwarder({
          listeners: FORWARDED_PORTS.map((vsockPort) => ({ vsockPort })),
          viewer,
          onDecision: (decision) =>
            context.out(logLine({ event: "decision", ...decision })),
          onEnd: (end) => context.out(logLine({ event: "end", ...end })),
          onWarning: (message) =>
            context.err(`qubesify relay host: ${message}\n`),
        }));
      context.err(
        `qubesify relay host: forwarding vsock ports ${
          FORWARDED_PORTS.join(", ")
        } to vsock:${cid}:${port}; Ctrl-C stops\n`,
      );
      await serve(context, "host", forwarder);
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
      const port = parseNumber(
        "viewer",
        "--port",
        options.port,
        0,
        0xffff_fffe,
      );
      const forwarderCid = parseNumber(
        "viewer",
        "--forwarder-cid",
        options.forwarderCid,
        1,
        LAST_GUEST_CID,
      );
      const policyPath = options.policy;
      // Fail now on a broken policy; later it is re-read per connection, so
      // edits apply without a restart.
      try {
        await readPolicyFile(policyPath);
      } catch (error) {
        throw new CliError(
          `qubesify relay viewer: ${(error as Error).message}`,
        );
      }
      const dispatcher = await start("viewer", () =>
        startDispatcher({
          listeners: [
            options.unix
              ? {
                unixPath: options.unix,
                peerCid: forwarderCid,
                forwarded: true,
              }
              : { vsockPort: port, forwarded: true },
          ],
          vms: () => readPolicyFile(policyPath),
          forwarderCid,
          onDecision: (decision) =>
            context.out(logLine({ event: "decision", ...decision })),
          onEnd: (end) => context.out(logLine({ event: "end", ...end })),
          onWarning: (message) =>
            context.err(`qubesify relay viewer: ${message}\n`),
        }));
      context.err(
        `qubesify relay viewer: relaying forwarded connections from ${
          options.unix ? `unix:${options.unix}` : `vsock port ${port}`
        } by ${policyPath}; Ctrl-C stops\n`,
      );
      await serve(context, "viewer", dispatcher);
    });
  relay.command("local")
    .description(
      "Relay VMs' kernel-vsock connections on this machine to the sockets each may use; " +
        "`qubesify run` starts it when needed, and it ends with the last such VM.",
    )
    .option("--log <file>", "append the JSON-line log to this file, not stdout")
    .action(async (options) => {
      const log = options.log
        ? await Deno.open(options.log, { append: true, create: true })
        : undefined;
      const write = (line: string) => {
        if (log) log.writeSync(new TextEncoder().encode(line));
        else context.out(line);
      };
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      for (const signal of ["SIGINT", "SIGTERM"] as const) {
        Deno.addSignalListener(signal, onSignal);
      }
      try {
        await serveLocalVms({
          runtimeDir: context.paths().runtime,
          onDecision: (decision) =>
            write(logLine({ event: "decision", ...decision })),
          onEnd: (end) => write(logLine({ event: "end", ...end })),
          onWarning: (message) =>
            context.err(`qubesify relay local: ${message}\n`),
          signal: stop.signal,
        });
      } catch (error) {
        throw new CliError(`qubesify relay local: ${(error as Error).message}`);
      } finally {
        for (const signal of ["SIGINT", "SIGTERM"] as const) {
          Deno.removeSignalListener(signal, onSignal);
        }
        log?.close();
      }
    });
  return relay;
}
