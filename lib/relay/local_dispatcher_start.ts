/**
 * Starting the local dispatcher for a kernel-vsock VM: `qubesify relay
 * local` in its own session, since Ctrl-C in the user's terminal must not
 * end other VMs' connections. It serves every kernel-vsock VM of this user
 * and ends with the last (see local_dispatcher.ts).
 *
 * @module
 */
import { join } from "node:path";
import { errorMessage, QubesifyError } from "../errors/mod.ts";
import { selfCommandByName } from "../exec/mod.ts";
import { localDispatcherRunning } from "./local_dispatcher.ts";

/** The dispatcher could not be started; the message says what to do. */
export class DispatcherStartError extends QubesifyError {}

/**
 * Starts `qubesify relay local`, detached and logging to
 * `<runtime>/.relay/local.jsonl`, unless one serves already.
 */
export async function ensureLocalDispatcher(runtimeDir: string): Promise<void> {
  if (localDispatcherRunning()) return;
  const relayDir = join(runtimeDir, ".relay");
  await Deno.mkdir(relayDir, { recursive: true, mode: 0o700 });
  const [program, ...args] = selfCommandByName();
  try {
    new Deno.Command(program, {
      args: [...args, "relay", "local", "--log", join(relayDir, "local.jsonl")],
      env: { QUBESIFY_RUNTIME_DIR: runtimeDir },
      stdin: "null",
      stdout: "null",
      stderr: "null",
      detached: true,
    }).spawn().unref();
  } catch (error) {
    throw new DispatcherStartError(
      `cannot start the vsock dispatcher (${program}: ${
        errorMessage(error)
      }); run \`qubesify relay local\` yourself before starting VMs, ` +
        "or use --vsock user",
    );
  }
}
