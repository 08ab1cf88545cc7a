/**
 * The egress tests' SSH server: sshd inside a network namespace with a
 * fresh host key and one authorised client key, owned by the caller.
 *
 * @module
 */
import { join } from "node:path";
import { startBackground } from "../../lib/exec/mod.ts";
import { mustRun } from "../must_run.ts";

/** Where Debian installs sshd. */
export const SSHD = "/usr/sbin/sshd";

/** Where the server runs and who knows it. */
export interface SshServerOptions {
  /** Network namespace to run in. */
  namespace: string;
  /** The address it listens on, port 22. */
  address: string;
  /** The names a client knows its host key under. */
  names: readonly string[];
  /** Folder for the keys, the configuration and its pid file. */
  dir: string;
}

/** A running sshd; disposing stops it. */
export interface SshServer extends AsyncDisposable {
  /** The client's private key, which the server lets in as root. */
  identity: string;
  /** A known_hosts file with the server's host key under every name. */
  knownHosts: string;
}

/** Makes the keys, writes the configuration and starts sshd. */
export async function startSshServer(
  options: SshServerOptions,
): Promise<SshServer> {
  const at = (name: string) => join(options.dir, name);
  for (const key of ["id", "host_key"]) {
    await mustRun("ssh-keygen", [
      "-q",
      "-t",
      "ed25519",
      "-N",
      "",
      "-f",
      at(key),
    ]);
  }
  await Deno.copyFile(at("id.pub"), at("authorized_keys"));
  const hostKey = (await Deno.readTextFile(at("host_key.pub"))).trim();
  await Deno.writeTextFile(
    at("known_hosts"),
    `${options.names.join(",")} ${hostKey}\n`,
  );
  await Deno.writeTextFile(
    at("sshd_config"),
    [
      `ListenAddress ${options.address}`,
      "Port 22",
      `HostKey ${at("host_key")}`,
      `PidFile ${at("sshd.pid")}`,
      `AuthorizedKeysFile ${at("authorized_keys")}`,
      "StrictModes no",
      "UsePAM no",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PermitRootLogin prohibit-password",
      "",
    ].join("\n"),
  );
  // sshd refuses to start without its privilege separation folder.
  await Deno.mkdir("/run/sshd", { recursive: true, mode: 0o755 });
  const sshd = await startBackground({
    program: "ip",
    args: [
      "netns",
      "exec",
      options.namespace,
      SSHD,
      "-D",
      "-e",
      "-f",
      at("sshd_config"),
    ],
    ready: () => Deno.stat(at("sshd.pid")).then(() => true, () => false),
  });
  return {
    identity: at("id"),
    knownHosts: at("known_hosts"),
    [Symbol.asyncDispose]: () => sshd[Symbol.asyncDispose](),
  };
}
