/**
 * The standalone proxy as `qubesify proxy` runs it: a policy file (with
 * its block lists and hosts file), an optional hosts file instead of the
 * policy's, and a request log chosen from the caller's, the policy's or
 * the default one. {@linkcode serveProxy} serves until a signal aborts;
 * {@linkcode readProxyLog} reads (or follows) the log the same choice
 * names.
 *
 * @module
 */
import { errorMessage, QubesifyError } from "../errors/mod.ts";
import { RecipeError } from "../recipe/mod.ts";
import type { StatePaths } from "../state/mod.ts";
import { defaultEgressLog } from "./default_log.ts";
import { type HostsTable, parseHostsFile } from "./hosts_file.ts";
import { formatListenAddress, type ListenAddress } from "./listen_address.ts";
import { readLog } from "./log_reader.ts";
import type { EgressRecord } from "./log_record.ts";
import { type LoadedPolicy, loadPolicyFile } from "./policy_file.ts";
import { startEgressProxy } from "./proxy_server.ts";

/** A policy, hosts file, listening address or log the proxy cannot use. */
export class ProxySetupError extends QubesifyError {}

/** What {@linkcode serveProxy} serves. */
export interface ServeProxyOptions {
  /** TCP address and port, or a UNIX socket path. */
  listen: ListenAddress;
  /** The policy file (YAML: allow, deny, blocklists, log, hosts, limits). */
  policyFile: string;
  /** A hosts-format file consulted before DNS, instead of the policy's. */
  hostsFile?: string;
  /** The JSONL request log, instead of the policy's or the default one. */
  log?: string;
  /** Where qubesify keeps its state (the default log is under `data`). */
  paths: StatePaths;
  /** The VM name every record is tagged with. */
  vm?: string;
  /** Stops the proxy; {@linkcode serveProxy} then resolves. */
  signal: AbortSignal;
  /** Told where the proxy listens and logs, once it does. */
  onListening?: (listening: { addr: Deno.Addr; log: string }) => void;
}

/**
 * Loads the policy, starts the proxy and serves until `signal` aborts,
 * then closes it; throws {@linkcode ProxySetupError} when it cannot start.
 *
 * @example
 * ```ts
 * import { serveProxy } from "./standalone_proxy.ts";
 * import { currentStatePaths } from "../state/mod.ts";
 * await serveProxy({
 *   listen: { hostname: "127.0.0.1", port: 3128 },
 *   policyFile: "policy.yaml",
 *   paths: currentStatePaths(),
 *   signal: AbortSignal.timeout(60_000),
 * });
 * ```
 */
export async function serveProxy(options: ServeProxyOptions): Promise<void> {
  const loaded = await loadPolicy(options.policyFile, options.paths);
  const hosts = options.hostsFile
    ? await loadHosts(options.hostsFile)
    : loaded.hosts;
  const log = options.log ?? loaded.policy.log ??
    defaultEgressLog(options.paths);
  options.signal.throwIfAborted();
  let proxy;
  try {
    proxy = await startEgressProxy({
      listen: options.listen,
      policy: loaded.policy,
      blocklist: loaded.blocklist,
      hosts,
      vm: options.vm,
      log,
    });
  } catch (error) {
    throw new ProxySetupError(
      `cannot listen on ${formatListenAddress(options.listen)}: ${
        errorMessage(error)
      }`,
      { cause: error },
    );
  }
  await using _ = proxy;
  options.onListening?.({ addr: proxy.addr, log });
  await aborted(options.signal);
}

/** What {@linkcode readProxyLog} reads. */
export interface ReadProxyLogOptions {
  /** The JSONL log; default: the policy's, else the default one. */
  log?: string;
  /** A policy file whose `log:` names the log. */
  policyFile?: string;
  /** Where qubesify keeps its state (the default log is under `data`). */
  paths: StatePaths;
  /** Keep waiting for new records until `signal` aborts. */
  follow?: boolean;
  /** Only records of this VM. */
  vm?: string;
  /** Stops following. */
  signal?: AbortSignal;
}

/**
 * The records of the proxy's request log, in order; throws
 * {@linkcode ProxySetupError} when there is no log yet.
 */
export async function* readProxyLog(
  options: ReadProxyLogOptions,
): AsyncGenerator<EgressRecord> {
  const log = options.log ??
    (options.policyFile
      ? (await loadPolicy(options.policyFile, options.paths)).policy.log
      : undefined) ??
    defaultEgressLog(options.paths);
  try {
    await Deno.stat(log);
  } catch {
    throw new ProxySetupError(
      `no request log at ${log} yet (start qubesify proxy, or pass --log FILE)`,
    );
  }
  yield* readLog({
    path: log,
    follow: options.follow,
    vm: options.vm,
    signal: options.signal,
  });
}

async function loadPolicy(
  file: string,
  paths: StatePaths,
): Promise<LoadedPolicy> {
  try {
    return await loadPolicyFile(file, { paths });
  } catch (error) {
    const message = error instanceof RecipeError
      ? `invalid policy:\n${error.message}`
      : `${file}: ${errorMessage(error)}`;
    throw new ProxySetupError(message, { cause: error });
  }
}

async function loadHosts(file: string): Promise<HostsTable> {
  try {
    return parseHostsFile(await Deno.readTextFile(file), file);
  } catch (error) {
    throw new ProxySetupError(`--hosts ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}
