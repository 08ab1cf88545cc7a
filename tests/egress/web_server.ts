/**
 * Starting the egress tests' web server (git_https_server.ts) inside a
 * network namespace, owned by the caller.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { type Background, startBackground } from "../../lib/exec/mod.ts";

const SERVER = fileURLToPath(new URL("./git_https_server.ts", import.meta.url));

/** Where the server runs and what it serves. */
export interface WebServerOptions {
  /** Network namespace to run in. */
  namespace: string;
  /** PEM certificate and key for HTTPS. */
  cert: string;
  key: string;
  /** Folder of bare git repositories served over smart HTTP. */
  gitRoot: string;
  /** File the server creates once it listens. */
  readyFile: string;
}

/** Starts the server on every address of the namespace, ports 80 and 443. */
export function startWebServer(options: WebServerOptions): Promise<Background> {
  return startBackground({
    program: "ip",
    args: [
      "netns",
      "exec",
      options.namespace,
      Deno.execPath(),
      "run",
      "-A",
      SERVER,
      "::",
      options.cert,
      options.key,
      options.gitRoot,
      options.readyFile,
    ],
    ready: () => Deno.stat(options.readyFile).then(() => true, () => false),
    readyTimeoutMs: 30_000,
  });
}
